"""Real threads on the real PostgreSQL: no lost updates, joins fire once (invariant 2)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from engine.accounts import create_user
from engine.clock import MovableClock
from engine.deployment import Bundle
from engine.errors import Conflict
from engine.models import HumanTask, ProcessInstance
from engine.workflow_engine import WorkflowEngine

DATA = Path(__file__).parents[1] / "data"

pytestmark = pytest.mark.postgres


@pytest.fixture
def committed(committed_pg: sessionmaker[Session]) -> sessionmaker[Session]:
    """Sessions that really commit (threads need to see each other)."""
    return committed_pg


def race(workers: list[Callable[[], Any]]) -> list[Any]:
    """Run the callables in threads released together by a barrier; return results/errors."""
    barrier = threading.Barrier(len(workers))
    results: list[Any] = [None] * len(workers)

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = workers[i]()
        except Exception as err:  # collected and asserted by the test
            results[i] = err

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(workers))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def setup(factory: sessionmaker[Session], clock: MovableClock, bundle: str, key: str
          ) -> tuple[WorkflowEngine, int]:
    kf = WorkflowEngine(clock=clock)
    with factory() as s, s.begin():
        for role in ("senior_manager", "dept_head", "clerk"):
            create_user(s, clock, role, [role])
        create_user(s, clock, "head2", ["dept_head"])
        kf.deploy(s, Bundle.from_folder(DATA / bundle))
    with factory() as s, s.begin():
        from engine.accounts import get_user

        instance = kf.start_instance(s, key, get_user(s, "senior_manager"))
        instance_id = instance.id
    return kf, instance_id


def complete_as(factory: sessionmaker[Session], kf: WorkflowEngine, task_id: int,
                username: str, data: dict[str, Any]) -> str:
    from engine.accounts import get_user

    with factory() as s, s.begin():
        kf.complete_task(s, task_id, get_user(s, username), data)
    return "ok"


def open_task(factory: sessionmaker[Session], instance_id: int, bpmn_id: str) -> int:
    with factory() as s:
        return s.scalars(select(HumanTask.id).where(
            HumanTask.instance_id == instance_id, HumanTask.bpmn_id == bpmn_id,
            HumanTask.state.in_(["ready", "claimed"]))).one()


def test_two_users_complete_the_same_task(committed, clock):
    kf, instance_id = setup(committed, clock, "approval", "approval")
    submit = open_task(committed, instance_id, "submit")
    complete_as(committed, kf, submit, "senior_manager",
                {"title": "t", "amount": 10, "costs": 1})
    review = open_task(committed, instance_id, "review")
    with committed() as s:
        version = s.get(ProcessInstance, instance_id).version
    results = race([
        lambda: complete_as(committed, kf, review, "dept_head", {"decision": "approve"}),
        lambda: complete_as(committed, kf, review, "head2", {"decision": "reject"}),
    ])
    assert sorted(type(r).__name__ for r in results) == ["Conflict", "str"]
    with committed() as s:
        instance = s.get(ProcessInstance, instance_id)
        task = s.get(HumanTask, review)
        assert instance.version == version + 1
        assert instance.status == "completed"
        winner = "dept_head" if results[0] == "ok" else "head2"
        assert task.completed_by_id is not None
        assert s.scalar(text("select username from app_user where id = :i"),
                        {"i": task.completed_by_id}) == winner
        completions = s.scalar(text(
            "select count(*) from audit_event where action='task_completed' and task_id=:t"),
            {"t": review})
        assert completions == 1
    assert any(isinstance(r, Conflict) for r in results)


def test_parallel_branches_completed_at_once_join_once(committed, clock):
    kf, instance_id = setup(committed, clock, "parallel", "parallel")
    complete_as(committed, kf, open_task(committed, instance_id, "prepare"), "senior_manager", {})
    audit = open_task(committed, instance_id, "audit")
    analyse = open_task(committed, instance_id, "analyse")
    results = race([
        lambda: complete_as(committed, kf, audit, "clerk", {}),
        lambda: complete_as(committed, kf, analyse, "senior_manager", {}),
    ])
    assert results == ["ok", "ok"]
    with committed() as s:
        finish = s.scalars(select(HumanTask).where(
            HumanTask.instance_id == instance_id, HumanTask.bpmn_id == "finish")).all()
        assert len(finish) == 1 and finish[0].state == "ready"


def _waiting_on_a_lock(factory: sessionmaker[Session]) -> bool:
    with factory() as s:
        return bool(s.scalar(text(
            "select count(*) from pg_stat_activity where datname = current_database() "
            "and wait_event_type = 'Lock'")))


def test_a_completion_that_waited_for_the_lock_reads_the_tasks_after_it(committed, clock):
    # The lock and the task rows are read in one statement; a command that waited for the
    # lock must not act on task rows as they were before the other command committed:
    # here it would cancel the other branch's completed task and overwrite its completion.
    kf, instance_id = setup(committed, clock, "parallel", "parallel")
    complete_as(committed, kf, open_task(committed, instance_id, "prepare"), "senior_manager", {})
    audit = open_task(committed, instance_id, "audit")
    analyse = open_task(committed, instance_id, "analyse")
    from engine.accounts import get_user

    first = committed()
    first.begin()
    kf.complete_task(first, audit, get_user(first, "clerk"), {})  # holds the row lock
    second: list[Any] = []

    def complete_analyse() -> None:
        try:
            second.append(complete_as(committed, kf, analyse, "senior_manager", {}))
        except Exception as err:  # asserted below
            second.append(err)

    worker = threading.Thread(target=complete_analyse)
    worker.start()
    deadline = time.monotonic() + 30
    while not _waiting_on_a_lock(committed):
        assert time.monotonic() < deadline, "the second completion never waited"
        time.sleep(0.05)
    first.commit()
    first.close()
    worker.join(timeout=60)
    assert second == ["ok"]
    with committed() as s:
        rows = {t.bpmn_id: t for t in s.scalars(select(HumanTask).where(
            HumanTask.instance_id == instance_id))}
        assert rows["audit"].state == "completed" and rows["audit"].completed_by_id is not None
        assert rows["analyse"].state == "completed"
        finish = s.scalars(select(HumanTask).where(
            HumanTask.instance_id == instance_id, HumanTask.bpmn_id == "finish")).all()
        assert len(finish) == 1 and finish[0].state == "ready"
