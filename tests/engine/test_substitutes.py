"""Substitutes (engine.runtime.substitutes): on the days arranged, the substitute sees what
the absent colleague sees and works the tasks assigned to them; before and after, nothing."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from engine.errors import Conflict, Forbidden, InvalidData, NotFound
from engine.models import AuditEvent, HumanTask
from engine.queries.inbox import inbox
from engine.queries.tasks import task_page
from engine.runtime.access import can_see_instance, can_see_task

TZ = ZoneInfo("Asia/Shanghai")
SUBMIT = {"title": "板房 300 方", "amount": 1200, "costs": 200}


def _open(session, instance) -> HumanTask:
    return session.scalars(select(HumanTask).where(
        HumanTask.instance_id == instance.id, HumanTask.state.in_(("ready", "claimed")))
        .order_by(HumanTask.id)).first()


def _today(clock) -> date:
    return clock.now().astimezone(TZ).date()


@pytest.fixture
def away(session, kf, users, deploy):
    """The senior manager's instance, its sticky task held by them."""
    deploy("approval")
    instance = kf.start_instance(session, "approval", users["senior_manager"])
    session.commit()
    return instance


def test_the_substitute_sees_and_works_the_absent_persons_tasks_while_it_lasts(
        session, kf, users, clock, away):
    submit = _open(session, away)
    sub = users["sm2"]
    assert not can_see_instance(session, sub, away)
    tomorrow = _today(clock) + timedelta(days=1)
    kf.set_substitute(session, users["senior_manager"], substitute="sm2",
                      starts_on=tomorrow, ends_on=tomorrow + timedelta(days=1), tz=TZ)
    session.commit()
    assert not can_see_instance(session, sub, away)  # not yet
    clock.advance(days=1)
    assert can_see_instance(session, sub, away) and can_see_task(session, sub, submit)
    assert [r.task.id for r in inbox(session, sub, clock.now(), scope="mine").rows] == [submit.id]
    assert task_page(session, kf, submit.id, sub).may_work
    kf.complete_task(session, submit.id, sub, SUBMIT)
    session.commit()
    assert submit.completed_by_id == sub.id and submit.assignee_id == users["senior_manager"].id
    done = session.scalars(select(AuditEvent).where(AuditEvent.task_id == submit.id,
                                                    AuditEvent.action == "task_completed")).one()
    assert done.actor_id == sub.id and done.data["for"] == "senior_manager"
    clock.advance(days=2)  # over: what stays is what they did themselves
    other = kf.start_instance(session, "approval", users["senior_manager"])
    session.commit()
    assert not can_see_instance(session, sub, other)
    assert inbox(session, sub, clock.now(), scope="mine").rows == []
    with pytest.raises(NotFound):
        kf.complete_task(session, _open(session, other).id, sub, SUBMIT)
    session.rollback()


def test_a_substitution_ended_early_stops_at_once(session, kf, users, clock, away):
    row = kf.set_substitute(session, users["senior_manager"], substitute="clerk",
                            starts_on=_today(clock), ends_on=_today(clock) + timedelta(days=5),
                            tz=TZ)
    session.commit()
    assert can_see_instance(session, users["clerk"], away)
    with pytest.raises(NotFound):  # a stranger learns nothing
        kf.end_substitute(session, users["finance"], row.id)
    session.rollback()
    clock.advance(hours=1)
    kf.end_substitute(session, users["clerk"], row.id)
    session.commit()
    assert not can_see_instance(session, users["clerk"], away)
    actions = session.scalars(select(AuditEvent.action).where(
        AuditEvent.action.like("substitute_%")).order_by(AuditEvent.id)).all()
    assert actions == ["substitute_set", "substitute_ended"]


def test_the_substitute_of_a_claimed_task_does_not_claim_it(session, kf, users, clock, away):
    kf.set_substitute(session, users["senior_manager"], substitute="sm2",
                      starts_on=_today(clock), ends_on=_today(clock), tz=TZ)
    session.commit()
    with pytest.raises(Conflict):
        kf.claim_task(session, _open(session, away).id, users["sm2"])
    session.rollback()


@pytest.mark.parametrize("who,absent,substitute,days,error", [
    ("senior_manager", None, "senior_manager", (0, 1), InvalidData),  # oneself
    ("senior_manager", None, "ghost", (0, 1), InvalidData),
    ("senior_manager", None, "sm2", (2, 1), InvalidData),  # to before from
    ("senior_manager", None, "sm2", (-3, -1), InvalidData),  # in the past
    ("senior_manager", None, "sm2", (0, 400), InvalidData),  # over a year
    ("senior_manager", "sm2", "clerk", (0, 1), Forbidden),  # for someone else
    ("clerk", "senior_manager", "sm2", (0, 1), Forbidden),
])
def test_arranging_a_substitution_is_checked(session, kf, users, clock, who, absent,
                                             substitute, days, error):
    today = _today(clock)
    with pytest.raises(error):
        kf.set_substitute(session, users[who], substitute=substitute, absent=absent,
                          starts_on=today + timedelta(days=days[0]),
                          ends_on=today + timedelta(days=days[1]), tz=TZ)
    session.rollback()


def test_a_leader_names_a_substitute_for_a_colleague(session, kf, users, clock, away):
    kf.set_substitute(session, users["dept_head"], absent="senior_manager", substitute="sm2",
                      starts_on=_today(clock), ends_on=_today(clock), tz=TZ)
    session.commit()
    assert can_see_instance(session, users["sm2"], away)
    clock.advance(days=1)  # the last day is over at midnight in the company's time zone
    assert not can_see_instance(session, users["sm2"], away)
