"""Load, lock, step and save an instance; every command goes through here."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit import record
from engine.bpmn.timers import due_time
from engine.clock import Clock
from engine.db import is_postgres
from engine.deployment import CompiledProcess
from engine.errors import Conflict, NotFound
from engine.models import ProcessInstance, User
from engine.services import ServiceContext

from .context import Runtime


def lock_instance(session: Session, instance_id: int) -> ProcessInstance:
    """Load the instance for change: row lock on PostgreSQL, fresh state everywhere."""
    query = select(ProcessInstance).where(ProcessInstance.id == instance_id)
    if is_postgres(session):
        query = query.with_for_update(of=ProcessInstance)
    instance = session.scalars(query.execution_options(populate_existing=True)).first()
    if instance is None:
        raise NotFound(f"instance {instance_id} not found")
    return instance


def require_running(instance: ProcessInstance) -> None:
    """Refuse to change an instance that has finished or failed."""
    if instance.status != "running":
        raise Conflict(f"instance {instance.id} is {instance.status}",
                       {"instance_id": instance.id, "status": instance.status})


def restore(rt: Runtime, instance: ProcessInstance, clock: Clock | None = None
            ) -> tuple[CompiledProcess, BpmnWorkflow]:
    """The instance's workflow on the spec version it started with."""
    compiled = rt.specs.get(instance.definition)
    workflow = rt.serializer.loads(instance.state, compiled.spec, compiled.subprocess_specs)
    workflow.script_engine = rt.script_engine(clock)
    return compiled, workflow


def run_engine_steps(session: Session, rt: Runtime, instance: ProcessInstance,
                     workflow: BpmnWorkflow, *, now: datetime, actor: User | None,
                     step: Any = None) -> None:
    """Run `step` (if any) then SpiffWorkflow to its next wait state.

    Service tasks reached on the way write through this command's `session` (their context
    is bound for the run only, so no session outlives its command). A failing script,
    condition, decision or service does not escape: the instance goes to `error` with the
    reason, and the state reached so far is saved with it.
    """
    engine = workflow.script_engine
    engine.services = rt.services.bind(
        ServiceContext(session=session, instance=instance, now=now, actor=actor))
    try:
        if step is not None:
            step()
        workflow.do_engine_steps()
    except SpiffWorkflowException as err:
        task = getattr(err, "task", None)
        details = {
            "reason": str(err),
            "element_id": getattr(getattr(task, "task_spec", None), "bpmn_id", None),
            "notes": list(getattr(err, "notes", []) or []),
            "at": now.isoformat(),
        }
        instance.status = "error"
        instance.error = details
        record(session, "instance_error", at=now, actor=actor, instance=instance, data=details)
    finally:
        engine.services = None
    save(rt, instance, workflow, now=now, actor=actor, session=session)


def save(rt: Runtime, instance: ProcessInstance, workflow: BpmnWorkflow, *, now: datetime,
         actor: User | None, session: Session) -> None:
    """Write the state, status and next wake-up time; project the user tasks."""
    from .projection import sync_tasks  # projection imports this module's helpers

    instance.state = rt.serializer.dumps(workflow)
    if instance.status == "running" and workflow.is_completed():
        instance.status = "completed"
        instance.ended_at = now
        record(session, "instance_completed", at=now, actor=actor, instance=instance)
    instance.next_wakeup_at = next_wakeup(workflow) if instance.status == "running" else None
    session.flush()
    sync_tasks(session, rt, instance, workflow, now=now)


def next_wakeup(workflow: BpmnWorkflow) -> datetime | None:
    """The earliest moment a waiting timer of the workflow (or its subprocesses) is due."""
    times = [
        when
        for event in workflow.waiting_events()
        if "Timer" in event.event_type and (when := due_time(event.value)) is not None
    ]
    return min(times, default=None)
