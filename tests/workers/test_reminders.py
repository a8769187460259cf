"""The reminder tick in-process: due-soon, overdue, escalation, timers, digest, birthdays."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from engine.models import HumanTask, ProcessInstance
from engine.models.customers import Customer
from engine.reminders import ReminderPolicy, write_reminders
from engine.reminders.birthdays import next_birthday
from engine.reminders.task_notices import stages

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def open_task(session, instance, bpmn_id):
    return session.scalars(select(HumanTask).where(
        HumanTask.instance_id == instance.id, HumanTask.bpmn_id == bpmn_id,
        HumanTask.state.in_(("ready", "claimed")))).one()


def sent_to(rows):
    """(kind, bpmn-less key stem, username-ish email, language) of outbox rows."""
    return sorted((r.kind, r.recipient_email, r.language) for r in rows)


def test_stages_follow_the_policy():
    due = T0 + timedelta(days=2)
    policy = ReminderPolicy()
    assert stages(policy, due, T0, created_at=T0) == []
    assert stages(policy, due, due - timedelta(hours=23), created_at=T0) == [
        ("due_soon", "due_soon", 1)]
    assert stages(policy, due, due + timedelta(hours=1)) == [("overdue", "overdue:1", 1)]
    assert stages(policy, due, due + timedelta(days=2, hours=1)) == [
        ("overdue", "overdue:3", 3), ("escalation", "escalation", 1)]
    quiet = ReminderPolicy(remind_before=None, overdue_every=None, escalate_after=None)
    assert stages(quiet, due, due - timedelta(hours=1)) == []
    assert stages(quiet, due, due + timedelta(days=5)) == [("overdue", "overdue:1", 1)]
    # born inside the lead: reminded half-way, not at assignment
    short = T0 + timedelta(hours=12)
    assert stages(policy, short, T0 + timedelta(hours=5), created_at=T0) == []
    assert stages(policy, short, T0 + timedelta(hours=6), created_at=T0) == [
        ("due_soon", "due_soon", 1)]


def test_due_soon_overdue_escalation_once_each(session, kf, people, deployed, tick, clock, outbox):
    deployed("approval")
    instance = kf.start_instance(session, "approval", people["manager"])
    kf.complete_task(session, open_task(session, instance, "submit").id, people["manager"],
                     {"title": "t", "amount": 10, "costs": 1})
    session.commit()
    review = open_task(session, instance, "review")
    assert tick().written["tasks"] == 0

    clock.advance(days=1, minutes=1)
    tick()
    assert sent_to(outbox("task_due_soon")) == [
        ("task_due_soon", "head2@example.test", "en"), ("task_due_soon", "head@example.test", "zh")]
    assert tick().total == 0  # idempotent

    clock.advance(days=1)  # due + 1 minute
    tick()
    overdue = outbox("task_overdue")
    assert [r.idempotency_key for r in overdue] == [
        f"task:{review.id}:overdue:1:{people['head'].id}",
        f"task:{review.id}:overdue:1:{people['head2'].id}"]
    assert outbox("task_escalation") == []

    clock.advance(days=1)  # 1 day overdue: escalation to the director; the 3-day timer fires
    tick()
    assert {r.idempotency_key.rsplit(":", 2)[0] for r in outbox("task_overdue")} == {
        f"task:{review.id}:overdue"}
    assert len(outbox("task_overdue")) == 4
    escalation = outbox("task_escalation")
    assert sent_to(escalation) == [("task_escalation", "director@example.test", "zh")]
    assert "已逾期" in escalation[0].subject and escalation[0].task_id == review.id
    assert open_task(session, instance, "escalated_review").role == "marketing_director"
    english = [r for r in outbox() if r.language == "en"]
    assert english and all(r.subject.isascii() for r in english)
    assert tick().total == 0


def test_claimed_task_reminds_only_its_assignee(session, kf, people, deployed, tick, clock, outbox):
    deployed("approval")
    instance = kf.start_instance(session, "approval", people["manager"])
    kf.complete_task(session, open_task(session, instance, "submit").id, people["manager"],
                     {"title": "t", "amount": 10, "costs": 1})
    kf.claim_task(session, open_task(session, instance, "review").id, people["head2"])
    session.commit()
    clock.advance(days=2, minutes=1)
    tick()
    assert sent_to(outbox("task_overdue")) == [
        ("task_overdue", "head2@example.test", "en")]


def test_properties_override_and_timer_reminder(session, kf, people, deployed, tick, clock, outbox,
                                                signer):
    deployed("visit_reminders")
    visit_at = T0 + timedelta(days=5)
    instance = kf.start_instance(session, "visit_reminders", people["manager"], data={
        "customer_email": "buyer@customer.test", "customer_language": "en",
        "visit_at": visit_at.isoformat()}, customer_name="中铁")
    session.commit()
    plan = open_task(session, instance, "plan")
    clock.advance(hours=21)  # remindBefore PT2H on a 1-day task
    tick()
    assert outbox("task_due_soon") == []
    clock.advance(hours=1, minutes=1)
    tick()
    assert [r.idempotency_key for r in outbox("task_due_soon")] == [
        f"task:{plan.id}:due_soon:{people['manager'].id}"]
    clock.advance(days=1, hours=12)  # overdueEvery none, escalateAfter P2D (process level)
    tick()
    assert len(outbox("task_overdue")) == 1
    assert outbox("task_escalation") == []
    kf.complete_task(session, plan.id, people["manager"], {})
    session.commit()
    tick()  # the customer task opens: its link goes out
    invite = outbox("customer_link")
    assert [(r.recipient_email, r.language) for r in invite] == [("buyer@customer.test", "en")]
    assert "/c/" in invite[0].body
    confirm = open_task(session, instance, "confirm")
    from engine.customer_links import CustomerAnswer

    token = invite[0].body.split("/c/")[1].split()[0].split("/", 1)[1]
    kf.complete_via_link(session, signer, confirm.id, token, CustomerAnswer("confirm"))
    session.commit()
    assert session.get(ProcessInstance, instance.id).next_wakeup_at == visit_at
    tick()
    assert outbox("timer_reminder") == []
    clock.set(visit_at - timedelta(hours=23))
    tick()
    reminders = outbox("timer_reminder")
    assert sent_to(reminders) == [("timer_reminder", "head2@example.test", "en"),
                                  ("timer_reminder", "head@example.test", "zh"),
                                  ("timer_reminder", "manager@example.test", "en")]
    assert "Wait for the visit day" in [r for r in reminders if r.language == "en"][0].subject
    assert tick().total == 0
    clock.set(visit_at + timedelta(minutes=1))
    tick()
    assert open_task(session, instance, "report").assignee_id == people["manager"].id


def test_daily_digest_after_half_past_eight_shanghai(session, kf, people, deployed, tick, clock,
                                                     outbox):
    deployed("approval")
    kf.start_instance(session, "approval", people["manager"])
    instance = kf.start_instance(session, "approval", people["manager"])
    kf.complete_task(session, open_task(session, instance, "submit").id, people["manager"],
                     {"title": "t", "amount": 10, "costs": 1})
    session.commit()
    config = tick.config.__class__(tick.config.timezone, time(8, 30), "http://kf.test",
                                   timedelta(days=7))
    from engine.customer_links import LinkSigner

    def run():
        result = write_reminders(session, kf.runtime, tick.book, LinkSigner(b"k"), config)
        session.commit()
        return result

    clock.set(datetime(2026, 3, 2, 0, 29, tzinfo=UTC))  # 08:29 in Shanghai
    assert run().written["digests"] == 0
    clock.set(datetime(2026, 3, 2, 0, 31, tzinfo=UTC))
    run()
    digests = outbox("digest")
    assert {r.idempotency_key for r in digests} == {
        f"digest:{people[n].id}:2026-03-02" for n in ("manager", "head", "head2")}
    manager = next(r for r in digests if r.recipient_id == people["manager"].id)
    assert "Submit request" in manager.body and manager.language == "en"
    assert run().written["digests"] == 0
    clock.set(datetime(2026, 3, 3, 0, 31, tzinfo=UTC))
    assert run().written["digests"] == 3


def test_birthday_reminder_three_days_ahead(session, people, tick, clock, outbox):
    now = clock.now()
    session.add(Customer(
        name="中铁十局", owner_id=people["manager"].id, key_contact_name="王经理",
        key_contact_birthday=date(1970, 3, 6), filed_at=now, updated_at=now))
    session.add(Customer(
        name="Far away", owner_id=people["head"].id, key_contact_name="Li",
        key_contact_birthday=date(1980, 3, 9), filed_at=now, updated_at=now))
    session.commit()
    clock.set(datetime(2026, 3, 2, 1, 0, tzinfo=UTC))  # 4 days before
    assert tick().written["birthdays"] == 0
    clock.advance(days=1)
    tick()
    rows = outbox("birthday")
    assert [(r.recipient_email, r.language) for r in rows] == [("manager@example.test", "en")]
    assert rows[0].idempotency_key.endswith(":2026") and "王经理" in rows[0].subject
    clock.advance(days=2)
    assert tick().written["birthdays"] == 0


def test_next_birthday_wraps_and_handles_leap_days():
    assert next_birthday(date(1990, 1, 2), date(2026, 12, 31)) == date(2027, 1, 2)
    assert next_birthday(date(1992, 2, 29), date(2026, 2, 1)) == date(2026, 2, 28)


def test_customer_answer_fits_the_forms_own_field_names():
    from engine.customer_links import CustomerAnswer, answer_data

    mark = "x-keyflow-customer"  # the form declares its fields (engine/customer_fields.py)
    ours = {"properties": {"confirmed": {"type": "boolean", mark: "answer"},
                           "proposed_date": {"type": "string", mark: "date"},
                           "customer_comment": {"type": "string", mark: "comment"}}}
    theirs = {"properties": {
        "appointment_answer": {"type": "string", "enum": ["confirm", "reschedule", "decline"],
                               mark: "answer"},
        "alternative_date": {"type": "string", "format": "date", mark: "date"},
        "customer_message": {"type": "string", mark: "comment"}}}
    assert answer_data(ours, CustomerAnswer("confirm")) == {"confirmed": True}
    assert answer_data(ours, CustomerAnswer("propose", "2026-03-09", "pm")) == {
        "confirmed": False, "proposed_date": "2026-03-09", "customer_comment": "pm"}
    assert answer_data(theirs, CustomerAnswer("confirm")) == {"appointment_answer": "confirm"}
    assert answer_data(theirs, CustomerAnswer("propose", "2026-03-09", "pm")) == {
        "appointment_answer": "reschedule", "alternative_date": "2026-03-09",
        "customer_message": "pm"}


def test_customer_without_email_is_reported_to_the_owner(session, kf, people, deployed, tick,
                                                        outbox):
    deployed("visit_reminders")
    instance = kf.start_instance(session, "visit_reminders", people["manager"],
                                 data={"visit_at": (T0 + timedelta(days=5)).isoformat()},
                                 customer_name="中铁")
    kf.complete_task(session, open_task(session, instance, "plan").id, people["manager"], {})
    session.commit()
    tick()
    tick()  # once only
    assert outbox("customer_link") == []
    told = outbox("customer_unreachable")
    assert sent_to(told) == [("customer_unreachable", "manager@example.test", "en")]
    assert "No e-mail for the customer" in told[0].subject
