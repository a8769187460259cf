"""Fixtures for driving the department's real processes (the `processes/` bundle).

`flow` deploys `processes/` and gives a `Flow`: start an instance, complete its tasks as the
user of the task's role with valid form data (SUBMISSIONS, overridable per call), move the
clock and fire timers. Every command commits, so each step also restores from the database.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.accounts import create_user
from engine.clock import MovableClock
from engine.deployment import Bundle, SpecCache
from engine.models import OPEN_TASK_STATES, HumanTask, ProcessInstance, User
from engine.queries.instances import instance_data
from engine.roles import ALL_ROLES
from engine.workflow_engine import WorkflowEngine

PROCESSES = Path(__file__).parents[2] / "processes"
SPECS = SpecCache()  # parse the real bundle once per test run, not once per test

# Valid data for every user task, by BPMN id (the clock starts on 2026-03-02, 09:00 in China);
# shared with tests/kpis, which builds its history from the same submissions.
SUBMISSIONS: dict[str, dict[str, Any]] = json.loads(
    (Path(__file__).parents[1] / "data" / "process_submissions.json").read_text(encoding="utf-8"))


class Flow:
    """Drives instances of the real processes as the right users, one committed command each."""

    def __init__(self, session: Session, kf: WorkflowEngine, users: dict[str, User],
                 clock: MovableClock) -> None:
        self.session, self.kf, self.users, self.clock = session, kf, users, clock

    def start(self, key: str, user: str = "senior_manager", **kwargs: Any) -> ProcessInstance:
        """Start process `key` as the user named `user`."""
        instance = self.kf.start_instance(self.session, key, self.users[user], **kwargs)
        self.session.commit()
        return instance

    def open_tasks(self, instance: ProcessInstance) -> list[HumanTask]:
        """The instance's open task rows, oldest first."""
        return list(self.session.scalars(
            select(HumanTask).where(HumanTask.instance_id == instance.id,
                                    HumanTask.state.in_(OPEN_TASK_STATES))
            .order_by(HumanTask.id).execution_options(populate_existing=True)))

    def open_ids(self, instance: ProcessInstance) -> list[str]:
        """BPMN ids of the open tasks, sorted."""
        return sorted(t.bpmn_id for t in self.open_tasks(instance))

    def task(self, instance: ProcessInstance, bpmn_id: str) -> HumanTask:
        """The one open task `bpmn_id` of the instance."""
        found = [t for t in self.open_tasks(instance) if t.bpmn_id == bpmn_id]
        assert len(found) == 1, (bpmn_id, self.open_ids(instance), self.status(instance))
        return found[0]

    def complete(self, instance: ProcessInstance, bpmn_id: str, data: dict[str, Any] | None = None,
                 *, user: str | None = None, **changes: Any) -> HumanTask:
        """Complete task `bpmn_id` with its standard data (or `data`), changed by `changes`."""
        task = self.task(instance, bpmn_id)
        submitted = {**(SUBMISSIONS[bpmn_id] if data is None else data), **changes}
        submitted = {k: v for k, v in submitted.items() if v is not None}
        done = self.kf.complete_task(self.session, task.id, self.users[user or task.role],
                                     submitted)
        self.session.commit()
        return done

    def run(self, instance: ProcessInstance, *bpmn_ids: str) -> None:
        """Complete each task in turn with its standard data."""
        for bpmn_id in bpmn_ids:
            self.complete(instance, bpmn_id)

    def variables(self, instance: ProcessInstance) -> dict[str, Any]:
        """The instance's process variables as its latest step sees them."""
        self.session.refresh(instance)
        return instance_data(self.kf, instance)

    def status(self, instance: ProcessInstance) -> str:
        """The instance's status, fresh from the database."""
        self.session.refresh(instance)
        return instance.status

    def advance(self, **delta: float) -> int:
        """Move the clock, fire what is due and commit; returns the instances moved."""
        self.clock.advance(**delta)
        moved = self.kf.fire_due_timers(self.session)
        self.session.commit()
        return moved


@pytest.fixture
def submissions() -> dict[str, dict[str, Any]]:
    """Valid data for every user task of the real processes, by BPMN id."""
    return SUBMISSIONS


@pytest.fixture
def kf(clock: MovableClock) -> WorkflowEngine:
    """The engine under test, on the movable clock, sharing one parsed copy of the bundle."""
    return WorkflowEngine(clock=clock, specs=SPECS, script_time_limit=2.0)


@pytest.fixture
def users(session: Session, clock: MovableClock) -> dict[str, User]:
    """One user per role, named after it, plus a second senior manager `sm2`."""
    made = {role: create_user(session, clock, role, [role], email=f"{role}@example.test")
            for role in ALL_ROLES}
    made["sm2"] = create_user(session, clock, "sm2", ["senior_manager"], email="sm2@example.test")
    made["head2"] = create_user(session, clock, "head2", ["dept_head"], email="h2@example.test",
                                language="en")
    session.commit()
    return made


@pytest.fixture
def flow(session: Session, kf: WorkflowEngine, users: dict[str, User],
         clock: MovableClock) -> Flow:
    """The real `processes/` bundle deployed, and a driver for its instances."""
    kf.deploy(session, Bundle.from_folder(PROCESSES))
    session.commit()
    return Flow(session, kf, users, clock)
