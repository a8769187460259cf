"""The timer tick with real worker and beat processes: a damaged instance among healthy ones
waiting on the same timer stops nobody (issue 9, item 1, department mode)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from engine.models import HumanTask, ProcessInstance


def open_ids(world, instance_id):
    with world.sessions() as session:
        return list(session.scalars(select(HumanTask.bpmn_id).where(
            HumanTask.instance_id == instance_id, HumanTask.state.in_(["ready", "claimed"]))))


def status(world, instance_id):
    with world.sessions() as session:
        return session.get(ProcessInstance, instance_id).status


def test_a_damaged_instance_does_not_stop_the_workers_timers(world, processes, wait_for):
    world.setup(["timer_wait"])
    kf, sessions = world.kf, world.sessions
    with sessions.begin() as session:
        manager = world.user(session, "manager")
        ids = [kf.start_instance(session, "timer_wait", manager).id for _ in range(3)]
    with sessions.begin() as session:
        for task in session.scalars(select(HumanTask)).all():
            kf.complete_task(session, task.id, world.user(session, "manager"), {})
    first, bad, last = ids
    with sessions.begin() as session:
        session.execute(update(ProcessInstance).where(ProcessInstance.id == bad)
                        .values(state='{"format": "keyflow-state-1"}'))
    processes.worker()
    processes.beat()
    world.clock.set(world.clock.now() + timedelta(hours=2, seconds=1))
    wait_for(lambda: open_ids(world, first) == open_ids(world, last) == ["report"], 60,
             "both healthy instances' timers")
    wait_for(lambda: status(world, bad) == "error", 30, "the damaged instance in error")
