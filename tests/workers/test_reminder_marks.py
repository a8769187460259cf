"""The steady tick reads only tasks whose notices may have changed (engine/reminders/marks.py),
and still writes every notice a change calls for: the clock passing a boundary, a new
reachable person, a task changing hands."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from engine.accounts import create_user
from engine.models import HumanTask, ReminderMark
from engine.reminders import ReminderPolicy
from engine.reminders.isolation import RecordGuard
from engine.reminders.marks import TaskMarks, next_change, sweep_ended
from engine.reminders.people import People
from engine.reminders.task_notices import stages, task_drafts

SHANGHAI = ZoneInfo("Asia/Shanghai")


def waiting_review(session, kf, people):
    instance = kf.start_instance(session, "approval", people["manager"])
    submit = session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id)).one()
    kf.complete_task(session, submit.id, people["manager"], {"title": "t", "amount": 10,
                                                              "costs": 1})
    session.commit()
    return session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id,
                                                   HumanTask.bpmn_id == "review")).one()


def looked_at(session, tick, clock):
    """The task ids the next tick would read, and the notices it would make for them."""
    people = People.load(session)
    marks = TaskMarks(people.fingerprint)
    drafts = list(task_drafts(session, tick.book, people, clock.now(), SHANGHAI,
                              RecordGuard(session, "tasks"), marks))
    return set(marks.rows), drafts


def test_next_change_is_where_stages_change():
    policy = ReminderPolicy()
    created = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    due = created + timedelta(days=2)
    moment = created
    for _ in range(12):  # walk from boundary to boundary: stages differ on each side
        following = next_change(policy, due, moment, created)
        if following is None:
            break
        before = stages(policy, due, following - timedelta(seconds=1), created)
        assert stages(policy, due, following, created) != before
        assert stages(policy, due, moment, created) == before
        moment = following
    quiet = ReminderPolicy(remind_before=None, overdue_every=None, escalate_after=None)
    assert next_change(quiet, due, due + timedelta(hours=1)) is None


def test_the_steady_tick_reads_no_task_but_changes_still_remind(session, kf, people, deployed,
                                                                 tick, clock, outbox):
    deployed("approval")
    review = waiting_review(session, kf, people)
    clock.advance(days=2, minutes=1)  # overdue
    tick()
    assert {r.recipient_email for r in outbox("task_overdue")} == {
        "head@example.test", "head2@example.test"}
    assert looked_at(session, tick, clock) == (set(), [])  # nothing can have changed

    # a new head with an address: the directory changed, every task is looked at again
    create_user(session, clock, "head3", ["dept_head"], email="head3@example.test")
    session.commit()
    assert review.id in looked_at(session, tick, clock)[0]
    tick()
    assert "head3@example.test" in {r.recipient_email for r in outbox("task_overdue")}
    assert looked_at(session, tick, clock)[0] == set()

    # the task changes hands: its new holder is reminded
    kf.claim_task(session, review.id, people["head2"])
    session.commit()
    kf.unclaim_task(session, review.id, people["head2"])
    session.commit()
    assert review.id not in looked_at(session, tick, clock)[0]  # back as it was marked
    kf.claim_task(session, review.id, people["head"])
    session.commit()
    assert review.id in looked_at(session, tick, clock)[0]
    tick()
    assert looked_at(session, tick, clock)[0] == set()

    # the clock passes the next boundary: the second overdue notice
    clock.advance(days=1)
    assert review.id in looked_at(session, tick, clock)[0]
    tick()
    assert f"task:{review.id}:overdue:2:{people['head'].id}" in {
        r.idempotency_key for r in outbox("task_overdue")}


def test_marks_of_ended_tasks_are_deleted_a_window_a_tick(session, kf, people, deployed,
                                                           tick, clock):
    deployed("approval")
    reviews = [waiting_review(session, kf, people) for _ in range(3)]
    clock.advance(days=2, minutes=1)
    tick()

    def marked() -> set[int]:
        return set(session.scalars(select(ReminderMark.task_id)))

    ids = sorted(r.id for r in reviews)
    assert marked() == set(ids)
    for review in reviews:  # two tasks end; their rows stay in human_task
        if review.id != ids[1]:
            kf.cancel_instance(session, review.instance_id, people["manager"])
    session.commit()
    # a window of one mark at a time, in task id order, wrapping round
    assert sweep_ended(session, 0, window=1) == (1, ids[0])
    assert sweep_ended(session, ids[0], window=1) == (0, ids[1])  # open: kept
    assert sweep_ended(session, ids[1], window=1) == (1, ids[2])
    assert sweep_ended(session, ids[2], window=1) == (0, 0)  # past the last: start again
    session.commit()
    assert marked() == {ids[1]}

    kf.cancel_instance(session, reviews[[r.id for r in reviews].index(ids[1])].instance_id,
                       people["manager"])
    session.commit()
    tick()  # the tick sweeps on from wherever it stopped, wrapping round: two at most
    tick()
    assert marked() == set()
