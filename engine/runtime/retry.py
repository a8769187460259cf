"""Retrying a failed instance: run the step it failed on again, on its own version or a newer one.

SpiffWorkflow 3.2 leaves a step whose script, condition, decision or service raised in
`TaskState.ERROR` (its data as the step found it, plus whatever the script changed before it
failed). A retry resets that step's branch with `reset_from_task_id`, which takes the data
from the step's parent again and re-runs its update hook (pre-scripts, a call activity's
subprocess), then runs the workflow to its next wait state like every other command. A
failure raised before the step became ready (an update hook: a multi-instance collection, a
data input) leaves no ERROR task; the step recorded in the error is then updated again. A
failing timer expression needs nothing reset: running the engine re-evaluates it.

If the step fails again, the instance is in `error` again with the new reason and time.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit import record
from engine.errors import Conflict, Forbidden, NotFound
from engine.models import InstanceStatus, ProcessDefinition, ProcessInstance, User

from .access import may_handle_incidents
from .context import Runtime
from .state import lock_instance, restore, run_engine_steps
from .version_migration import migrate_instance

# States of a step that never became ready because its update hook raised.
NOT_YET_READY = TaskState.FUTURE | TaskState.LIKELY | TaskState.MAYBE


def retry_instance(session: Session, rt: Runtime, instance_id: int, user: User, *,
                   to_version: int | None = None) -> ProcessInstance:
    """Re-run a failed instance from the step it failed on, and on to its next wait state.

    With `to_version`, the instance first moves to that version of its process (the fixed
    one), in the same transaction. Process owners and admins only (Forbidden otherwise);
    Conflict when the instance is not in `error` or cannot move; NotFound for an unknown
    version. Audited as `instance_retried` with the reason it had failed for. The caller
    commits.
    """
    instance = lock_instance(session, instance_id)
    if not may_handle_incidents(user):
        raise Forbidden("only process owners and admins retry failed instances")
    if instance.status != InstanceStatus.ERROR:
        raise Conflict(f"instance {instance.id} is {instance.status}; only a failed instance "
                       f"can be retried", {"instance_id": instance.id, "status": instance.status})
    if to_version is not None and to_version != instance.definition.version:
        target = _version(session, instance.definition.key, to_version)
        migrate_instance(session, rt, instance.id, target.id, user)
    now = rt.clock.now()
    failed: dict[str, Any] = dict(instance.error or {})
    record(session, "instance_retried", at=now, actor=user, instance=instance,
           data={"previous_reason": failed.get("reason"), "element_id": failed.get("element_id"),
                 "version": instance.definition.version})
    try:
        _compiled, workflow = restore(rt, instance)
    except Exception as err:  # the state is damaged: the incident stays, with this reason
        _fail_again(session, instance, user, now, failed.get("element_id"),
                    f"the saved state cannot be read: {type(err).__name__}: {err}")
        return instance
    instance.status, instance.error = InstanceStatus.RUNNING, None

    def step() -> None:
        rerun_failed_steps(workflow, failed.get("element_id"))

    run_engine_steps(session, rt, instance, workflow, now=now, actor=user, step=step)
    return instance


def rerun_failed_steps(workflow: BpmnWorkflow, element_id: str | None) -> int:
    """Make the failed steps of `workflow` runnable again; return how many there were."""
    failed = workflow.get_tasks(state=TaskState.ERROR)
    if failed:
        for task in failed:
            # Resetting one step may drop another from the tree (it may lie below it).
            if workflow.get_task_from_id(task.id) is task:
                workflow.reset_from_task_id(task.id)
        return len(failed)
    stuck = [task for task in workflow.get_tasks(state=NOT_YET_READY)
             if element_id and getattr(task.task_spec, "bpmn_id", None) == element_id
             and task.parent is not None and task.parent.has_state(TaskState.COMPLETED)]
    for task in stuck:
        task.task_spec._update(task)
    return len(stuck)


def _version(session: Session, key: str, version: int) -> ProcessDefinition:
    found = session.scalars(select(ProcessDefinition).where(
        ProcessDefinition.key == key, ProcessDefinition.version == version)).first()
    if found is None:
        raise NotFound(f"process {key!r} has no version {version}")
    return found


def _fail_again(session: Session, instance: ProcessInstance, user: User, now: datetime,
                element_id: str | None, reason: str) -> None:
    """Keep the instance in `error` with a new reason, as a failing command would."""
    details: dict[str, Any] = {"reason": reason[:2000], "element_id": element_id, "notes": [],
               "at": now.isoformat()}
    instance.error = details
    record(session, "instance_error", at=now, actor=user, instance=instance, data=details)
