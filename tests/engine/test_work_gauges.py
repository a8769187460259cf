"""The work gauges read from the database, the tick's totals, and request ids on written rows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from engine.models import AuditEvent, HumanTask, Notification
from engine.observability.request_ids import (
    bound_request_id,
    current_request_id,
    sane_request_id,
)
from engine.observability.tick_stats import TickRun, record_tick_run, tick_stats
from engine.observability.work_gauges import TaskCount, read_work_snapshot
from engine.reminders.drafts import Draft, write_drafts


def open_task(session, instance_id):
    return session.scalars(select(HumanTask).where(
        HumanTask.instance_id == instance_id, HumanTask.state.in_(("ready", "claimed")))).one()


def test_the_snapshot_counts_tasks_instances_incidents_and_the_outbox(
        session, kf, users, deploy, clock):
    deploy("incidents/weekday_visit")
    deploy("approval")
    clock.advance(days=5)  # a Saturday: the weekday visit fails, an incident
    failed = kf.start_instance(session, "weekday_visit", users["senior_manager"])
    first = kf.start_instance(session, "approval", users["senior_manager"])
    second = kf.start_instance(session, "approval", users["sm2"])
    session.commit()
    kf.complete_task(session, open_task(session, first.id).id, users["senior_manager"],
                     {"title": "Tunnel site", "amount": 900, "costs": 100})
    session.commit()
    assert failed.status == "error" and second.status == "running"

    now = clock.now()
    snapshot = read_work_snapshot(session, now)
    assert sorted(snapshot.tasks, key=lambda t: t.role) == [
        TaskCount("dept_head", "approval", 1, 0), TaskCount("senior_manager", "approval", 1, 0)]
    assert snapshot.instances == {("approval", "running"): 2, ("weekday_visit", "error"): 1}
    assert snapshot.incidents_open == 1
    # submit is due in one day, review in two: a day and a half later only submit is late
    later = read_work_snapshot(session, now + timedelta(days=1, hours=12))
    assert sorted((t.role, t.overdue) for t in later.tasks) == [
        ("dept_head", 0), ("senior_manager", 1)]

    write_drafts(session, [Draft("digest:test", "head@example.test", "zh", "digest", "s", "b")],
                 now)
    session.commit()
    snapshot = read_work_snapshot(session, now)
    rows = session.scalars(select(Notification).order_by(Notification.id)).all()
    assert len(rows) >= 3 and snapshot.outbox == {"pending": len(rows)}
    assert snapshot.oldest_pending_at == now and snapshot.oldest_pending_seconds == 0
    session.execute(update(Notification).where(Notification.id == rows[0].id)
                    .values(status="sent", sent_at=now))
    session.execute(update(Notification).where(Notification.id == rows[1].id)
                    .values(status="failed"))
    snapshot = read_work_snapshot(session, now + timedelta(minutes=10))
    assert snapshot.outbox == {"pending": len(rows) - 2, "sent": 1, "failed": 1}
    assert snapshot.oldest_pending_seconds == 600


def test_an_empty_database_gives_zeroes(session, clock):
    snapshot = read_work_snapshot(session, clock.now())
    assert (snapshot.tasks, snapshot.instances, snapshot.outbox, snapshot.ticks) == (
        [], {}, {}, [])
    assert snapshot.incidents_open == 0 and snapshot.oldest_pending_seconds == 0


def test_tick_runs_add_up_per_task(session, clock):
    t0 = clock.now()
    record_tick_run(session, TickRun("keyflow.relay", 1.5, False, t0))
    record_tick_run(session, TickRun("keyflow.remind", 0.25, False, t0))
    record_tick_run(session, TickRun("keyflow.relay", 0.5, True, t0 + timedelta(seconds=30)))
    session.commit()
    relay, remind = tick_stats(session)
    assert (relay.task, relay.runs, relay.failed_runs, relay.seconds_total, relay.last_seconds,
            relay.last_run_at) == ("keyflow.relay", 2, 1, 2.0, 0.5, t0 + timedelta(seconds=30))
    assert (remind.task, remind.runs, remind.failed_runs, remind.seconds_total) == (
        "keyflow.remind", 1, 0, 0.25)
    assert [t.runs for t in read_work_snapshot(session, t0).ticks] == [2, 1]


def test_rows_written_while_a_request_id_is_bound_carry_it(session, kf, users, deploy):
    deploy("approval")
    with bound_request_id("req-0123456789"):
        assert current_request_id() == "req-0123456789"
        # Started by a head for the manager: the manager is mailed their task.
        started = kf.start_instance(session, "approval", users["dept_head"],
                                    owner="senior_manager")
        session.commit()
        write_drafts(session, [Draft("digest:test", "head@example.test", "zh", "digest", "s",
                                     "b")], kf.clock.now())
        session.commit()
    assert current_request_id() is None
    unbound = kf.start_instance(session, "approval", users["sm2"])
    session.commit()

    def request_ids(model, instance_id):
        return set(session.scalars(select(model.request_id)
                                   .where(model.instance_id == instance_id)))

    assert request_ids(AuditEvent, started.id) == {"req-0123456789"}
    assert request_ids(Notification, started.id) == {"req-0123456789"}
    assert session.scalar(select(Notification.request_id)
                          .where(Notification.idempotency_key == "digest:test")) \
        == "req-0123456789"
    assert request_ids(AuditEvent, unbound.id) == {None}


@pytest.mark.parametrize(("offered", "kept"), [
    ("3f1c2a9e-4b1d-4c55-9a1e-0d2f6f3b8c11", True), ("req-0123456789", True),
    ("trace:abc.def_12", True), (None, False), ("", False), ("short", False),
    ("x" * 65, False), ("has space 12345", False), ('quote"12345678', False),
    ("line\nbreak12345", False), ("-leading-dash-1", False),
])
def test_an_offered_request_id_is_kept_only_when_sane(offered, kept):
    chosen = sane_request_id(offered)
    assert (chosen == offered) is kept
    assert 8 <= len(chosen) <= 64
