"""The projection's one-statement write (engine.runtime.task_rows) on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from engine.models import AuditEvent, HumanTask
from engine.runtime.tasks import complete_locked, lock_task

PROCESS = "keyflow_bench_five_step"


def _open(session, instance_id):
    return session.scalars(select(HumanTask).where(
        HumanTask.instance_id == instance_id, HumanTask.state.in_(("ready", "claimed")))
        .order_by(HumanTask.id)).all()


def test_a_completion_updates_its_row_and_inserts_the_next(session, kf, users, deploy):
    deploy("reference_workload")
    manager = users["senior_manager"]
    instance = kf.start_instance(session, PROCESS, manager)
    [first] = _open(session, instance.id)
    kf.complete_task(session, first.id, manager, {"volume": 6000})
    session.expire_all()
    done = session.get(HumanTask, first.id)
    assert (done.state, done.completed_by_id) == ("completed", manager.id)
    [second] = _open(session, instance.id)
    assert second.id > first.id and second.assignee_id == manager.id
    assert second.bpmn_id == "manager_approval" and second.state == "claimed"
    created = session.scalars(select(AuditEvent).where(
        AuditEvent.action == "task_created", AuditEvent.task_id == second.id)).all()
    assert len(created) == 1


def test_an_opening_written_meanwhile_is_kept(session, kf, users, deploy, clock):
    # The first opening is written without the instance's lock: a command that read the
    # row before must not put its old, empty value back.
    deploy("reference_workload")
    manager = users["senior_manager"]
    instance = kf.start_instance(session, PROCESS, manager)
    [task] = _open(session, instance.id)
    opened = clock.now() + timedelta(minutes=1)
    locked = lock_task(session, task.id)
    assert locked.task.first_opened_at is None

    def opened_meanwhile(_now):
        with session.no_autoflush:  # as another transaction would: the completion unwritten
            session.execute(update(HumanTask).where(HumanTask.id == task.id)
                            .values(first_opened_at=opened)
                            .execution_options(synchronize_session=False))

    complete_locked(session, kf.runtime, locked.instance, locked.task, {"volume": 6000},
                    actor=manager, also=opened_meanwhile, open_tasks=locked.open_tasks)
    session.flush()
    session.expire_all()
    stored = session.get(HumanTask, task.id)
    assert stored.state == "completed" and stored.first_opened_at == opened


def test_locking_a_task_reads_its_rows_afresh_into_the_sessions_objects(session, kf, users,
                                                                        deploy):
    """lock_task reads with Core and makes the rows the session's objects as a load with
    populate_existing did: the objects the session holds take the stored values (changed
    behind the ORM's back here), clean, their relationships read again when next asked."""
    deploy("reference_workload")
    manager, clerk = users["senior_manager"], users["clerk"]
    instance = kf.start_instance(session, PROCESS, manager)
    [task] = _open(session, instance.id)
    assert task.assignee is manager and instance.owner is manager  # loaded
    session.execute(update(HumanTask).where(HumanTask.id == task.id)
                    .values(assignee_id=clerk.id, name="renamed")
                    .execution_options(synchronize_session=False))
    session.execute(update(type(instance)).where(type(instance).id == instance.id)
                    .values(customer_name="Acme", owner_id=clerk.id)
                    .execution_options(synchronize_session=False))
    locked = lock_task(session, task.id)
    assert locked.instance is instance and locked.task is task
    assert locked.open_tasks == [task]
    assert (task.assignee_id, task.name, task.assignee) == (clerk.id, "renamed", clerk)
    assert (instance.customer_name, instance.owner) == ("Acme", clerk)
    assert instance.definition.id == instance.definition_id
    assert not session.is_modified(task) and not session.is_modified(instance)
    assert task not in session.dirty and instance not in session.dirty


def test_locking_a_task_in_a_fresh_session_loads_every_object(session, kf, users, deploy):
    deploy("reference_workload")
    manager = users["senior_manager"]
    instance = kf.start_instance(session, PROCESS, manager)
    [task] = _open(session, instance.id)
    instance_id, task_id, version = instance.id, task.id, instance.version
    session.expunge_all()
    locked = lock_task(session, task_id)
    assert (locked.instance.id, locked.instance.version) == (instance_id, version)
    assert locked.task.id == task_id and locked.task in session
    assert locked.instance.definition.key == PROCESS
    assert locked.instance.status == "running" and locked.instance.state
    assert locked.instance.started_by.username == manager.username
