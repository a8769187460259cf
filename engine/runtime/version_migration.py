"""Move running (or failed) instances of an older version onto a newer one, when their wait
states survive. A failed instance keeps its `error` status: the process owner moves it to the
fixed version, then retries it (engine.runtime.retry)."""

from __future__ import annotations

from copy import deepcopy
from dataclasses import dataclass, field
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask
from SpiffWorkflow.bpmn.util.diff import diff_workflow, migrate_workflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy.orm import Session

from engine.audit import record
from engine.deployment import CompiledProcess
from engine.errors import Conflict, NotFound
from engine.models import ACTIVE_STATUSES, ProcessDefinition, ProcessInstance, User

from .context import Runtime
from .state import lock_instance, restore, save

WAITING = TaskState.READY | TaskState.WAITING | TaskState.STARTED
# Failed instances move too, so that they can be retried on a fixed version.
MOVABLE_STATUSES = ACTIVE_STATUSES


@dataclass(frozen=True)
class MigrationCheck:
    """Whether one running or failed instance can move to the target version, and if not, why."""

    instance_id: int
    from_version: int
    business_key: str | None
    movable: bool
    reasons: list[str] = field(default_factory=list)


def _kind(task_spec: Any) -> str | None:
    """What a waiting task is, for the "same kind" rule; None for tasks that do not wait."""
    if isinstance(task_spec, UserTask):
        return "user task"
    definition = getattr(task_spec, "event_definition", None)
    if isinstance(definition, TimerEventDefinition):
        return f"timer ({type(task_spec).__name__})"
    return None


def _new_specs(compiled: CompiledProcess) -> dict[str, Any]:
    """Every task spec of the new version by BPMN id (its process and the ones it calls)."""
    return {ts.bpmn_id: ts for spec in [compiled.spec, *compiled.subprocess_specs.values()]
            for ts in spec.task_specs.values() if getattr(ts, "bpmn_id", None)}


def _reasons(workflow: BpmnWorkflow, target: CompiledProcess) -> list[str]:
    """Why `workflow` cannot move to `target` (empty when it can)."""
    specs = _new_specs(target)
    reasons = []
    for task in workflow.get_tasks(state=WAITING):
        kind = _kind(task.task_spec)
        if kind is None:
            continue
        bpmn_id = task.task_spec.bpmn_id
        new = specs.get(bpmn_id)
        if new is None:
            reasons.append(f"{kind} {bpmn_id!r} is waiting but does not exist in the new version")
        elif _kind(new) != kind:
            now_is = _kind(new) or "an element that does not wait"
            reasons.append(f"{kind} {bpmn_id!r} is waiting but is {now_is} in the new version")
    return reasons


def _target(session: Session, definition_id: int) -> ProcessDefinition:
    target = session.get(ProcessDefinition, definition_id)
    if target is None:
        raise NotFound(f"process version {definition_id} not found")
    return target


def check_instance(rt: Runtime, instance: ProcessInstance, target: CompiledProcess
                   ) -> MigrationCheck:
    """Whether `instance` can move to the compiled `target` (restores its workflow)."""
    try:
        _compiled, workflow = restore(rt, instance)
    except Exception as err:  # a damaged state must not take the whole list down with it
        reasons = [f"its saved state cannot be read ({type(err).__name__})"]
    else:
        reasons = _reasons(workflow, target)
    return MigrationCheck(instance.id, instance.definition.version, instance.business_key,
                          not reasons, reasons)


def migrate_instance(session: Session, rt: Runtime, instance_id: int, definition_id: int,
                     actor: User | None) -> ProcessInstance:
    """Move one running or failed instance onto version `definition_id` of its process.

    Its task tree and data are kept; waiting tasks are re-attached to the new version's
    elements (timers keep their deadlines); a failed task points at the new version's element
    and runs it when the instance is retried. Raises Conflict, changing nothing, when the
    instance has ended, is on another process, or a wait state has no counterpart.
    The caller commits.
    """
    now = rt.clock.now()
    instance = lock_instance(session, instance_id)
    if instance.status not in MOVABLE_STATUSES:
        raise Conflict(f"instance {instance.id} is {instance.status}",
                       {"instance_id": instance.id, "status": instance.status})
    target = _target(session, definition_id)
    source = instance.definition
    if target.key != source.key or target.version <= source.version:
        raise Conflict(f"instance {instance.id} is on {source.key} v{source.version}; "
                       f"it can only move to a newer version of the same process")
    compiled = rt.specs.get(target)
    _old, workflow = restore(rt, instance)
    reasons = _reasons(workflow, compiled)
    if reasons:
        raise Conflict(f"instance {instance.id} cannot move: " + "; ".join(reasons),
                       {"reasons": reasons})
    _move(rt, workflow, compiled)
    instance.definition_id = target.id
    instance.definition = target
    save(rt, instance, workflow, now=now, actor=actor, session=session)
    record(session, "instance_migrated", at=now, actor=actor, instance=instance,
           data={"from_version": source.version, "to_version": target.version,
                 "from_definition_id": source.id, "to_definition_id": target.id})
    return instance


def _move(rt: Runtime, workflow: BpmnWorkflow, compiled: CompiledProcess) -> None:
    """Re-point the task tree at the new specs with SpiffWorkflow's own migration."""
    # migrate_workflow resets waiting branches, which would restart every timer's clock.
    kept = {task.id: deepcopy(task.internal_data)
            for task in workflow.get_tasks(state=TaskState.WAITING)}
    top, subs = diff_workflow(rt.serializer.registry, workflow, compiled.spec,
                              compiled.subprocess_specs)
    migrate_workflow(top, workflow, compiled.spec)
    for sub_id, sub_diff in subs.items():
        sub = workflow.subprocesses[sub_id]
        new_spec = compiled.subprocess_specs.get(sub.spec.name)
        if sub_diff is not None and new_spec is not None:
            migrate_workflow(sub_diff, sub, new_spec)
    workflow.subprocess_specs = compiled.subprocess_specs
    for task_id, data in kept.items():
        task = workflow.get_task_from_id(task_id) if task_id in workflow.tasks else None
        if task is not None:
            task.internal_data = data
