"""One bad record never stops the reminder tick: its neighbours' notices are written, and the
failure is kept as a `failed` outbox row (kind `reminder_failed`) that /mail/outbox shows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from engine.customer_links import CustomerAnswer
from engine.deployment import SpecCache
from engine.models import CustomerLink, HumanTask, ProcessDefinition, ProcessInstance, User
from engine.reminders import PolicyBook, ReminderConfig, write_reminders
from engine.reminders.drafts import Draft, write_drafts
from engine.reminders.isolation import RecordGuard, write_failures
from engine.reminders.policy import ReminderPolicy

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def open_task(session, instance_id, bpmn_id):
    return session.scalars(select(HumanTask).where(
        HumanTask.instance_id == instance_id, HumanTask.bpmn_id == bpmn_id,
        HumanTask.state.in_(("ready", "claimed")))).one()


def corrupt(session, instance_id):
    """Damage an instance's saved state as a bad migration or a hand edit would."""
    session.get(ProcessInstance, instance_id).state = '{"spec": "gone", "tasks": '
    session.commit()


def failures(outbox):
    return {r.idempotency_key: r for r in outbox("reminder_failed")}


def to_review(session, kf, people, n):
    """`n` approval instances waiting in the heads' review (due in 2 days)."""
    ids = []
    for _ in range(n):
        instance = kf.start_instance(session, "approval", people["manager"])
        kf.complete_task(session, open_task(session, instance.id, "submit").id,
                         people["manager"], {"title": "t", "amount": 10, "costs": 1})
        ids.append(instance.id)
    session.commit()
    return ids


def test_a_corrupt_definition_and_a_malformed_address(session, kf, people, deployed, clock,
                                                       outbox, signer):
    deployed("approval")
    deployed("visit_reminders")
    to_review(session, kf, people, 3)
    visit = kf.start_instance(session, "visit_reminders", people["manager"],
                              data={"visit_at": (T0 + timedelta(days=9)).isoformat()})
    broken = session.get(ProcessDefinition, visit.definition_id)
    broken.files = {"visit_reminders.bpmn": 5}  # the stored files no longer parse
    bad = User(username="head3", display_name="head3", email="wang@", language="zh",
               active=True, created_at=clock.now())  # an address from before the check
    bad.roles = list(people["head"].roles)
    session.add(bad)
    session.commit()
    book = PolicyBook(SpecCache())  # a worker that has not compiled the definition yet
    config = ReminderConfig(SHANGHAI, None, "http://kf.test", timedelta(days=7))
    clock.advance(days=1, minutes=1)

    def tick():
        result = write_reminders(session, kf.runtime, book, signer, config)
        session.commit()
        return result

    result = tick()
    due = outbox("task_due_soon")
    assert sorted(r.recipient_email for r in due) == sorted(
        ["head@example.test", "head2@example.test"] * 3)
    # the broken definition's task still has its notices, on the default rules
    assert [(r.recipient_email, r.instance_id) for r in outbox("task_overdue")] == [
        ("manager@example.test", visit.id)]
    found = failures(outbox)
    day = "2026-03-03"
    assert set(found) == {f"reminder_failed:policies:definition:{broken.id}:{day}",
                          f"reminder_failed:people:user:{bad.id}:{day}"}
    assert "AttributeError" in found[
        f"reminder_failed:policies:definition:{broken.id}:{day}"].last_error
    user_failure = found[f"reminder_failed:people:user:{bad.id}:{day}"]
    assert "'wang@' is not a valid e-mail address" in user_failure.last_error
    assert user_failure.status == "failed" and user_failure.recipient_id == bad.id
    assert result.failed == 2
    assert tick().total == 0 and len(failures(outbox)) == 2  # once a day, not once a tick


def test_a_corrupt_instance_among_customer_tasks(session, kf, people, deployed, tick, outbox):
    deployed("visit_reminders")
    visit_at = (T0 + timedelta(days=9)).isoformat()
    made = {}
    for name, email in (("good", "buyer@customer.test"), ("corrupt", "b2@customer.test"),
                        ("malformed", "wang@\r\nBcc: spy@evil.test")):
        instance = kf.start_instance(session, "visit_reminders", people["manager"], data={
            "customer_email": email, "visit_at": visit_at}, customer_name=name)
        kf.complete_task(session, open_task(session, instance.id, "plan").id,
                         people["manager"], {})
        made[name] = instance.id
    session.commit()
    corrupt(session, made["corrupt"])
    tick()
    invites = outbox("customer_link")
    assert [(r.recipient_email, r.instance_id) for r in invites] == [
        ("buyer@customer.test", made["good"])]
    told = outbox("customer_unreachable")
    assert [(r.recipient_email, r.instance_id) for r in told] == [
        ("manager@example.test", made["malformed"])]
    assert "not a valid e-mail address" in told[0].body and "\r" not in told[0].body
    links = {link.instance_id: link for link in session.scalars(select(CustomerLink))}
    assert set(links) == {made["good"], made["malformed"]} and links[made["malformed"]].email \
        is None
    (failure,) = failures(outbox).values()
    task = open_task(session, made["corrupt"], "confirm")
    assert (failure.instance_id, failure.task_id, failure.status) == (
        made["corrupt"], task.id, "failed")
    assert failure.idempotency_key == f"reminder_failed:customer_links:task:{task.id}:2026-03-02"
    assert tick().total == 0 and len(failures(outbox)) == 1


def test_a_corrupt_instance_among_waiting_timers(session, kf, people, deployed, tick, clock,
                                                 outbox, signer):
    deployed("visit_reminders")
    visit_at = T0 + timedelta(days=5)
    ids = []
    for n in range(3):
        instance = kf.start_instance(session, "visit_reminders", people["manager"], data={
            "customer_email": f"b{n}@customer.test", "visit_at": visit_at.isoformat()})
        kf.complete_task(session, open_task(session, instance.id, "plan").id,
                         people["manager"], {})
        ids.append(instance.id)
    session.commit()
    tick()
    for link in outbox("customer_link"):
        token = link.body.split("/c/")[1].split()[0].split("/", 1)[1]
        kf.complete_via_link(session, signer, link.task_id, token, CustomerAnswer("confirm"))
    session.commit()
    corrupt(session, ids[1])
    clock.set(visit_at - timedelta(hours=23))
    tick()
    reminded = {(r.instance_id, r.recipient_email) for r in outbox("timer_reminder")}
    assert {i for i, _ in reminded} == {ids[0], ids[2]} and len(reminded) == 6
    (failure,) = failures(outbox).values()
    assert failure.instance_id == ids[1] and failure.last_error
    assert failure.idempotency_key.startswith(f"reminder_failed:timers:instance:{ids[1]}:")


def test_a_row_the_database_refuses_is_written_apart(session, kf, people, deployed, clock,
                                                     outbox):
    deployed("approval")
    (instance_id,) = to_review(session, kf, people, 1)
    drafts = [Draft(key=f"k:{n}", email="head@example.test", language="zh", kind="task_overdue",
                    subject="s", body="b", instance_id=instance_id if n != 1 else 10 ** 9)
              for n in range(3)]  # k:1 names an instance that is gone
    guard = RecordGuard(session, "tasks")
    assert write_drafts(session, drafts, clock.now(), guard) == 2
    assert [f.record for f in guard.failures] == ["notice k:1"]
    assert write_failures(session, guard.failures, clock.now(), SHANGHAI) == 1
    session.commit()
    assert [r.idempotency_key for r in outbox("task_overdue")] == ["k:0", "k:2"]
    assert list(failures(outbox)) == ["reminder_failed:tasks:notice:k:1:2026-03-02"]


@pytest.mark.parametrize("value", ["P99999999999D", "P4000D"])
def test_durations_beyond_ten_years_keep_the_default(value):
    policy = ReminderPolicy().overridden({"remindBefore": value}, "p.t")
    assert policy.remind_before == ReminderPolicy().remind_before


def test_chunks_made_ahead_keep_each_bad_record_apart(session, kf, people, deployed, clock,
                                                      outbox, monkeypatch):
    """Words and statements of the next chunk are made on a helper thread (ahead.py) while
    the database writes this one: a draft whose words fail and a row the database refuses,
    in different chunks, each stay one failure; every other row is written, with the
    tick's request id read on the helper thread too."""
    import engine.reminders.drafts as drafts_module
    from engine.observability.request_ids import bound_request_id

    monkeypatch.setattr(drafts_module, "CHUNK", 3)
    deployed("approval")
    (instance_id,) = to_review(session, kf, people, 1)

    def words(n):
        if n == 4:
            raise ValueError("no words for 4")
        return f"subject {n}", f"body {n}"

    drafts = [Draft(key=f"k:{n:02}", email="head@example.test", language="zh",
                    kind="task_overdue", subject="", body="",
                    instance_id=instance_id if n != 8 else 10 ** 9,  # k:08: instance gone
                    words=lambda n=n: words(n), record=f"task {n}") for n in range(11)]
    guard = RecordGuard(session, "tasks")
    with bound_request_id("tick-run-1"):
        assert write_drafts(session, drafts, clock.now(), guard) == 9
    assert [f.record for f in guard.failures] == ["task 4", "notice k:08"]
    session.commit()
    written = outbox("task_overdue")
    assert [r.idempotency_key for r in written] == [
        f"k:{n:02}" for n in range(11) if n not in (4, 8)]
    assert {r.request_id for r in written} == {"tick-run-1"}
    assert [r.subject for r in written][:2] == ["subject 0", "subject 1"]
