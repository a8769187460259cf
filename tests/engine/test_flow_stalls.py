"""Where the flow stalls: wait, work and overdue share per step, from real task history."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.kpis.stalls import p90, stalls
from engine.models import HumanTask

SUBMIT = {"title": "板房 300 方", "amount": 1200, "costs": 200}


def task_of(session, instance_id, bpmn_id):
    return session.scalars(select(HumanTask).where(
        HumanTask.instance_id == instance_id, HumanTask.bpmn_id == bpmn_id)
        .order_by(HumanTask.id.desc())).first()


def test_p90_is_the_nearest_rank():
    assert p90([]) is None
    assert p90([5.0]) == 5.0
    assert p90([float(v) for v in range(1, 11)]) == 9.0
    assert p90([float(v) for v in range(1, 12)]) == 10.0  # ceil(9.9) = 10th of 11


def test_wait_starts_at_claim_for_pool_tasks_and_at_first_opening_for_assigned_ones(
        session, kf, users, deploy, clock):
    deploy("approval")
    start = clock.now()
    manager, head = users["senior_manager"], users["dept_head"]
    ids = []
    for wait_hours in (1, 3):
        instance = kf.start_instance(session, "approval", manager)
        session.commit()
        ids.append(instance.id)
        submit = task_of(session, instance.id, "submit")  # assigned at creation
        clock.advance(hours=wait_hours)
        assert kf.note_task_opened(session, submit, manager)
        assert not kf.note_task_opened(session, submit, manager)  # only the first time
        session.commit()
        clock.advance(minutes=30)
        kf.complete_task(session, submit.id, manager, SUBMIT)
        session.commit()
        review = task_of(session, instance.id, "review")  # offered to the heads' pool
        clock.advance(hours=2 * wait_hours)
        assert not kf.note_task_opened(session, review, head)  # not assigned: nothing noted
        kf.claim_task(session, review.id, head)
        session.commit()
        clock.advance(hours=1)
        kf.complete_task(session, review.id, head, {"decision": "approve"})
        session.commit()
    later = kf.start_instance(session, "approval", manager)  # one still waiting, never opened
    session.commit()
    figures = {s.element_id: s for s in stalls(session, "approval", start,
                                               clock.now() + timedelta(seconds=1), clock.now())}
    submit, review = figures["submit"], figures["review"]
    assert (submit.count, submit.open) == (3, 1)
    assert submit.wait_mean_s == 2 * 3600 and submit.wait_p90_s == 3 * 3600
    assert submit.work_mean_s == submit.work_p90_s == 1800
    assert (review.count, review.open) == (2, 0)
    assert review.wait_mean_s == 4 * 3600 and review.wait_p90_s == 6 * 3600
    assert review.work_mean_s == 3600
    assert review.name == "Review request"
    assert later.id not in ids


def test_overdue_share_counts_late_completions_and_open_tasks_past_due(
        session, kf, users, deploy, clock):
    deploy("approval")  # submit is due in a day, review in two
    start = clock.now()
    manager = users["senior_manager"]
    on_time = kf.start_instance(session, "approval", manager)
    session.commit()
    kf.complete_task(session, task_of(session, on_time.id, "submit").id, manager, SUBMIT)
    session.commit()
    late = kf.start_instance(session, "approval", manager)
    still_open = kf.start_instance(session, "approval", manager)
    session.commit()
    clock.advance(days=2)
    kf.complete_task(session, task_of(session, late.id, "submit").id, manager, SUBMIT)
    session.commit()
    figures = {s.element_id: s for s in stalls(session, "approval", start, clock.now(),
                                               clock.now())}
    assert figures["submit"].count == 3
    assert figures["submit"].overdue_share == pytest.approx(2 / 3)  # late + still open
    assert figures["submit"].wait_mean_s is None  # nobody opened a page: no wait measured
    assert still_open.id != late.id


def test_only_the_period_and_the_process_asked_for(session, kf, users, deploy, clock):
    deploy("approval")
    kf.start_instance(session, "approval", users["senior_manager"])
    session.commit()
    clock.advance(days=1)
    start = clock.now()
    assert stalls(session, "approval", start, start + timedelta(days=1), clock.now()) == []
    assert stalls(session, "nope", start - timedelta(days=2), start, clock.now()) == []
