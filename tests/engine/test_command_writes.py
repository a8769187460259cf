"""A command's own rows written with Core statements (engine.runtime.writes): the same rows,
checks and session state as the ORM flush they replace, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.exc import StaleDataError

from engine.audit import record
from engine.errors import Conflict
from engine.models import AuditEvent, HumanTask, Notification, ProcessInstance
from engine.runtime import writes
from engine.runtime.tasks import complete_locked, lock_task

PROCESS = "keyflow_bench_five_step"


def _open(session, instance_id):
    return session.scalars(select(HumanTask).where(
        HumanTask.instance_id == instance_id, HumanTask.state.in_(("ready", "claimed")))
        .order_by(HumanTask.id)).all()


@pytest.fixture
def started(session, kf, users, deploy):
    """The reference workload's instance, started by the senior manager and committed; the
    manager, the instance and its first task."""
    deploy("reference_workload")
    manager = users["senior_manager"]
    instance = kf.start_instance(session, PROCESS, manager)
    session.commit()
    [first] = _open(session, instance.id)
    return manager, instance, first


def test_a_completion_writes_its_rows_and_leaves_the_instance_current(session, kf, started):
    manager, instance, first = started
    version = instance.version
    kf.complete_task(session, first.id, manager, {"volume": 6000})
    assert instance not in session.dirty and not session.new
    assert instance.version == version + 1
    session.commit()
    stored = session.execute(select(ProcessInstance.version, ProcessInstance.state).where(
        ProcessInstance.id == instance.id)).one()
    assert stored == (instance.version, instance.state)
    [second] = _open(session, instance.id)
    events = session.scalars(select(AuditEvent).where(AuditEvent.instance_id == instance.id)
                             .order_by(AuditEvent.id)).all()
    assert [(e.action, e.task_id) for e in events][-2:] == [
        ("task_completed", first.id), ("task_created", second.id)]
    assert events[-2].data["data"] == {"volume": 6000} and events[-2].actor_id == manager.id
    assert events[-1].data["role"] == second.role and events[-1].process_key == PROCESS
    # The manager opened their own next task: no mail about it (they are on the screen).
    assert session.scalars(select(Notification.id).where(
        Notification.task_id == second.id)).all() == []


def test_a_completion_without_a_user_writes_the_next_holders_mail(session, kf, started):
    # The way a customer's link completes a step: the next task's holder is told of it.
    manager, instance, first = started
    locked = lock_task(session, first.id)
    complete_locked(session, kf.runtime, locked.instance, locked.task, {"volume": 6000},
                    actor=None, open_tasks=locked.open_tasks)
    session.commit()
    [second] = _open(session, instance.id)
    note = session.scalars(select(Notification).where(
        Notification.idempotency_key == f"task:{second.id}:assigned")).one()
    assert (note.recipient_id, note.kind, note.status, note.attempts, note.channel) == (
        manager.id, "task_assigned", "pending", 0, "mail")
    assert (note.task_id, note.instance_id) == (second.id, instance.id)


def test_a_start_stores_what_it_was_not_given_as_null(session, kf, users, deploy):
    deploy("reference_workload")
    instance = kf.start_instance(session, PROCESS, users["senior_manager"])
    session.commit()
    nulls = session.execute(text(
        "SELECT error IS NULL, outcome IS NULL, archived_path IS NULL, ended_at IS NULL "
        "FROM process_instance WHERE id = :id"), {"id": instance.id}).one()
    assert all(nulls)
    assert instance.version == 2  # inserted at 1, its first run's state written at 2
    assert (instance.error, instance.outcome, instance.archived_at) == (None, None, None)


def test_a_version_moved_underneath_the_command_is_not_overwritten(session, kf, started):
    # The lock keeps other writers out; should the row's version still have moved, the
    # command's write fails (the caller's Conflict) instead of overwriting it.
    manager, instance, task = started
    locked = lock_task(session, task.id)

    def moved_meanwhile(_now):
        with session.no_autoflush:
            session.execute(update(ProcessInstance).where(ProcessInstance.id == instance.id)
                            .values(version=ProcessInstance.version + 1)
                            .execution_options(synchronize_session=False))

    with pytest.raises(StaleDataError):
        complete_locked(session, kf.runtime, locked.instance, locked.task, {"volume": 6000},
                        actor=manager, also=moved_meanwhile, open_tasks=locked.open_tasks)
    session.rollback()
    assert session.get(ProcessInstance, instance.id).status == "running"


def test_the_engine_answers_a_moved_version_with_a_conflict(session, kf, started,
                                                             monkeypatch):
    manager, instance, task = started
    real = writes._write_instance

    def moved_first(s, inst):
        s.execute(update(ProcessInstance).where(ProcessInstance.id == inst.id)
                  .values(version=ProcessInstance.version + 1)
                  .execution_options(synchronize_session=False))
        real(s, inst)

    monkeypatch.setattr(writes, "_write_instance", moved_first)
    with pytest.raises(Conflict):
        kf.complete_task(session, task.id, manager, {"volume": 6000})


def test_a_new_task_row_takes_over_an_object_left_in_the_session_with_its_id(
        session, kf, started):
    # SQLite hands out a rolled-back row's id again; an object a rollback left in the
    # session under that id becomes the new row's object, as a load would make it.
    manager, instance, first = started
    next_id = session.scalar(select(func.max(HumanTask.id))) + 1
    left = HumanTask(id=next_id)
    make_transient_to_detached(left)
    session.add(left)
    kf.complete_task(session, first.id, manager, {"volume": 6000})
    [second] = _open(session, instance.id)
    assert second.bpmn_id == "manager_approval" and second.instance_id == instance.id
    if second.id == next_id:  # SQLite; a PostgreSQL sequence never hands it out again
        assert second is left


def test_many_audit_events_go_out_in_order_in_inserts_of_a_bounded_size(session, kf, started):
    """More events than one INSERT takes: every one stored, in the order recorded, each
    with its own values (the parameters of each row of a multi-row INSERT)."""
    manager, instance, _ = started
    count = writes.ROWS_PER_INSERT * 2 + 3
    now = kf.clock.now()
    for n in range(count):
        record(session, f"note_{n}", at=now, actor=manager, instance=instance,
               data={"n": n})
    writes.write_command(session, instance)
    assert not session.new
    stored = session.execute(select(AuditEvent.action, AuditEvent.data).where(
        AuditEvent.instance_id == instance.id, AuditEvent.action.like("note_%"))
        .order_by(AuditEvent.id)).all()
    assert [(action, data) for action, data in stored] == [
        (f"note_{n}", {"n": n}) for n in range(count)]
