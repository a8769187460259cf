"""Load, lock, step and save an instance; every command goes through here."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from itertools import chain
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session, SessionTransaction
from sqlalchemy.orm.attributes import set_committed_value

from engine.audit import record
from engine.bpmn.timers import due_time
from engine.clock import Clock
from engine.db import is_postgres
from engine.deployment import CompiledProcess
from engine.errors import Conflict, NotFound
from engine.models import HumanTask, InstanceStatus, ProcessDefinition, ProcessInstance, User
from engine.outcomes import notify_owner, reached_outcome
from engine.services import ServiceContext

from .context import Runtime
from .data_limits import reserved_key_path
from .failures import (
    NOT_INSTANCE_FAILURES,
    EndedEarly,
    StateUnreadable,
    UnstorableData,
    failure_details,
    mark_failed,
)
from .latest_data import keep_data
from .steps import StepBudget
from .task_tree import TreeView, walk_tree
from .writes import write_command


def lock_instance(session: Session, instance_id: int) -> ProcessInstance:
    """Load the instance for change: row lock on PostgreSQL, fresh state everywhere."""
    query = select(ProcessInstance).where(ProcessInstance.id == instance_id)
    if is_postgres(session):
        query = query.with_for_update(of=ProcessInstance)
    instance = session.scalars(query.execution_options(populate_existing=True)).first()
    if instance is None:
        raise NotFound(f"instance {instance_id} not found")
    check_definition(session, instance)
    return instance


def check_definition(session: Session, instance: ProcessInstance) -> None:
    """Make sure a just-locked instance carries the definition its row points at."""
    definition: ProcessDefinition | None = instance.definition
    if definition is None or definition.id != instance.definition_id:
        # The lock waited for a concurrent migration: PostgreSQL re-read only the locked row,
        # so the definition joined to it is not the one it now points at (or none at all).
        set_committed_value(instance, "definition",
                            session.get(ProcessDefinition, instance.definition_id))


def require_running(instance: ProcessInstance) -> None:
    """Refuse to change an instance that has finished or failed."""
    if instance.status != InstanceStatus.RUNNING:
        raise Conflict(f"instance {instance.id} is {instance.status}",
                       {"instance_id": instance.id, "status": instance.status})


def restore(rt: Runtime, instance: ProcessInstance, clock: Clock | None = None
            ) -> tuple[CompiledProcess, BpmnWorkflow]:
    """The instance's workflow on the spec version it started with.

    Raises StateUnreadable when the saved state cannot be restored (damaged in the database,
    or valid JSON that SpiffWorkflow cannot rebuild).
    """
    compiled = rt.specs.get(instance.definition)
    try:
        workflow = rt.serializer.loads(instance.state, compiled.spec, compiled.subprocess_specs)
    except Exception as err:
        raise StateUnreadable(instance.id, err) from err
    workflow.script_engine = rt.script_engine(clock)
    return compiled, workflow


def run_engine_steps(session: Session, rt: Runtime, instance: ProcessInstance,
                     workflow: BpmnWorkflow, *, now: datetime, actor: User | None,
                     step: Callable[[], None] | None = None,
                     open_tasks: list[HumanTask] | None = None) -> None:
    """Run `step` (if any) then SpiffWorkflow to its next wait state, and save the result.

    Service tasks reached on the way write through this command's `session` (their context
    is bound for the run only, so no session outlives its command). Any failure on the way
    (a script, condition, decision, service, timer value, data that breaks SpiffWorkflow,
    more than MAX_ENGINE_STEPS steps) does not escape: the instance goes to `error` with the
    reason and element, and the state reached so far is saved with it. If that state cannot
    be saved, everything this run wrote is rolled back to a savepoint and the instance keeps
    its last good state, marked `error`. Database errors and keyflow's own errors raised
    inside (a lost race) propagate: the caller rolls the whole command back. `open_tasks`:
    the instance's open task rows, when the command read them already (sync_tasks).
    """
    savepoint = session.begin_nested()
    budget = StepBudget()
    failure: dict[str, Any] | None = None
    started = time.time()  # SpiffWorkflow stamps task state changes with time.time()
    try:
        failure = _run(session, rt, instance, workflow, now=now, actor=actor, step=step,
                       budget=budget)
        if failure is not None:
            mark_failed(session, instance, failure, now=now, actor=actor)
        check_storable(workflow, since=started)
        save(rt, instance, workflow, now=now, actor=actor, session=session,
             open_tasks=open_tasks)
        write_command(session, instance)
        savepoint.commit()
    except NOT_INSTANCE_FAILURES:
        _discard(savepoint)
        raise
    except Exception as err:
        _discard(savepoint)  # the instance row reloads with its last good state
        details = failure or failure_details(err, now, budget.current)
        mark_failed(session, instance, details, now=now, actor=actor)
        session.flush()
    except BaseException:
        _discard(savepoint)
        raise


def _discard(savepoint: SessionTransaction) -> None:
    if savepoint.is_active:
        savepoint.rollback()


def _run(session: Session, rt: Runtime, instance: ProcessInstance, workflow: BpmnWorkflow, *,
         now: datetime, actor: User | None, step: Callable[[], None] | None,
         budget: StepBudget) -> dict[str, Any] | None:
    """Run the command's step and the engine steps; the failure's details, if one occurred."""
    engine = workflow.script_engine
    engine.services = rt.services.bind(
        ServiceContext(session=session, instance=instance, now=now, actor=actor))
    try:
        if step is not None:
            step()
        workflow.do_engine_steps(will_complete_task=budget)
    except NOT_INSTANCE_FAILURES:
        raise
    except Exception as err:
        return failure_details(err, now, budget.current)
    finally:
        engine.services = None
    return None


def save(rt: Runtime, instance: ProcessInstance, workflow: BpmnWorkflow, *, now: datetime,
         actor: User | None, session: Session, open_tasks: list[HumanTask] | None = None
         ) -> None:
    """Write the state, status and next wake-up time; project the user tasks."""
    from .projection import sync_tasks  # projection imports this module's helpers

    instance.state = rt.serializer.dumps(workflow)
    tree = walk_tree(workflow)  # every question below about the tree, in one walk
    data = _page_data(workflow, tree)
    if data is not None:  # the task page's data, read right after this command
        keep_data(instance.definition.id, instance.state, rt.serializer.round_trip(data))
    ended = instance.status == InstanceStatus.RUNNING and workflow.is_completed()
    if ended:
        still_open = first_open_task(workflow)
        if still_open is not None:
            raise EndedEarly(still_open)
        instance.status = InstanceStatus.COMPLETED
        instance.ended_at = now
        instance.outcome = reached_outcome(workflow)
        record(session, "instance_completed", at=now, actor=actor, instance=instance,
               data={"outcome": instance.outcome} if instance.outcome else None)
    running = instance.status == InstanceStatus.RUNNING
    instance.next_wakeup_at = next_wakeup(workflow) if running else None
    if ended:
        notify_owner(session, instance, actor=actor, now=now)
    sync_tasks(session, rt, instance, workflow, now=now, open_tasks=open_tasks, tree=tree,
               actor=actor)


def _page_data(workflow: BpmnWorkflow, tree: TreeView) -> dict[str, Any] | None:
    """`data_of(workflow, single=True)` from the walk: None when several tasks are ready."""
    if len(tree.ready) > 1:
        return None
    source = tree.ready[0] if tree.ready else workflow.last_task
    return dict(source.data) if source is not None else dict(workflow.data)


def check_storable(workflow: BpmnWorkflow, since: float) -> None:
    """Refuse task data written since `since` that the saved state could not give back."""
    tasks = chain(workflow.tasks.values(),
                  *(sp.tasks.values() for sp in workflow.subprocesses.values()))
    for task in tasks:
        if task.last_state_change >= since:
            path = reserved_key_path(task.data)
            if path is not None:
                raise UnstorableData(task, path)


def first_open_task(workflow: BpmnWorkflow) -> Any:
    """A task of the workflow's tree that has not finished (a named one if there is one).

    Walks the tree itself, without SpiffWorkflow's iterator or any depth limit.
    """
    found = None
    stack = [workflow.task_tree]
    while stack:
        task = stack.pop()
        if task.has_state(TaskState.NOT_FINISHED_MASK):
            if getattr(task.task_spec, "bpmn_id", None):
                return task
            found = found or task
        stack.extend(task.children)
    return found


def next_wakeup(workflow: BpmnWorkflow) -> datetime | None:
    """The earliest moment a waiting timer of the workflow (or its subprocesses) is due.

    A timer behind an event-based gateway waits inside the gateway's multiple event, so the
    gateway's own task carries the timer's due time.
    """
    times = [when for task in workflow.event_manager.tasks.values()
             if (when := _timer_due(task)) is not None]
    return min(times, default=None)


def _timer_due(task: Any) -> datetime | None:
    definition = task.task_spec.event_definition
    if isinstance(definition, TimerEventDefinition):
        return due_time(definition.details(task).value)
    if isinstance(definition, MultipleEventDefinition) and any(
            isinstance(d, TimerEventDefinition) for d in definition.event_definitions):
        return due_time(task._get_internal_data("event_value"))
    return None
