"""The worker's timer tick (`workers.tasks.fire_timers`, which the embedded beat runs too) on
a real database that commits: one transaction per instance (issue 9, item 1)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text, update

from engine.accounts import create_user
from engine.deployment import Bundle
from engine.models import HumanTask, ProcessInstance
from engine.settings import Settings
from engine.workflow_engine import WorkflowEngine
from workers.clock import FileClock
from workers.context import WorkerContext, use_context
from workers.tasks import fire_timers

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
TIMER_WAIT = Path(__file__).parents[1] / "data" / "timer_wait"


class World:
    """Three instances of timer_wait waiting on their 2-hour timer; the worker's context."""

    def __init__(self, url, sessions, tmp_path):
        self.sessions = sessions
        self.clock = FileClock(tmp_path / "clock.txt")
        self.clock.set(T0)
        kf = WorkflowEngine(clock=self.clock)
        with sessions.begin() as s:
            manager = create_user(s, self.clock, "manager", ["senior_manager"])
            kf.deploy(s, Bundle.from_folder(TIMER_WAIT))
            self.ids = [kf.start_instance(s, "timer_wait", manager).id for _ in range(3)]
        with sessions.begin() as s:
            for task in s.scalars(select(HumanTask)).all():
                kf.complete_task(s, task.id, s.merge(manager), {})
        use_context(WorkerContext.build(Settings(
            database_url=url, clock_file=str(self.clock.path), var_dir=str(tmp_path / "var"),
            secret_key="tick-test", digest_at="off")))

    def damage(self, instance_id):
        with self.sessions.begin() as s:
            s.execute(update(ProcessInstance).where(ProcessInstance.id == instance_id)
                      .values(state="{not a state"))

    def status(self, instance_id):
        with self.sessions() as s:
            instance = s.get(ProcessInstance, instance_id)
            tasks = s.scalars(select(HumanTask.bpmn_id).where(
                HumanTask.instance_id == instance_id, HumanTask.state.in_(["ready", "claimed"])))
            return instance.status, list(tasks), instance.error


@pytest.fixture
def world(database, tmp_path):
    made = World(*database, tmp_path)
    yield made
    use_context(None)


@pytest.fixture
def pg_world(committed_pg, tmp_path):
    made = World(committed_pg.kw["bind"].url.render_as_string(False), committed_pg, tmp_path)
    yield made
    use_context(None)


def test_a_damaged_instance_does_not_stop_the_tick(world):
    first, bad, last = world.ids
    world.damage(bad)
    world.clock.set(T0 + timedelta(hours=2, seconds=1))
    assert fire_timers() == 2
    assert world.status(first)[:2] == world.status(last)[:2] == ("running", ["report"])
    status, tasks, error = world.status(bad)
    assert (status, tasks) == ("error", [])
    assert "cannot be loaded" in error["reason"]
    assert fire_timers() == 0  # nothing due, nothing raised


def test_an_instance_a_user_holds_is_fired_by_the_next_tick(pg_world):
    # PostgreSQL only: there the tick skips a row another command has locked (SKIP LOCKED);
    # SQLite has one writer at a time, and a busy one is a Conflict, also fired next tick.
    world = pg_world
    held, *others = world.ids
    world.clock.set(T0 + timedelta(hours=2, seconds=1))
    with world.sessions() as user:  # a user's command in progress on `held`
        user.execute(text("SELECT id FROM process_instance WHERE id = :id FOR UPDATE"),
                     {"id": held})
        assert fire_timers() == 2
        user.rollback()
    assert [world.status(i)[1] for i in others] == [["report"], ["report"]]
    assert world.status(held)[:2] == ("running", [])
    assert fire_timers() == 1
    assert world.status(held)[:2] == ("running", ["report"])
