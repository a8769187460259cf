"""Read-side queries: an instance with its history, a user's tasks. No locks, no writes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import NotFound
from engine.models import OPEN_TASK_STATES, AuditEvent, HumanTask, ProcessInstance, User
from engine.runtime.access import can_see_instance
from engine.runtime.context import Runtime


@dataclass
class InstanceView:
    """What a user may know about an instance."""

    instance: ProcessInstance
    data: dict[str, Any]
    open_tasks: list[HumanTask]
    history: list[AuditEvent]


def load_instance(session: Session, instance_id: int, user: User) -> ProcessInstance:
    """The instance if `user` may see it; NotFound otherwise (no IDOR)."""
    instance = session.get(ProcessInstance, instance_id)
    if instance is None or not can_see_instance(session, user, instance):
        raise NotFound(f"instance {instance_id} not found")
    return instance


def instance_history(session: Session, instance_id: int) -> list[AuditEvent]:
    """Every audit event of an instance, oldest first."""
    return list(session.scalars(
        select(AuditEvent).where(AuditEvent.instance_id == instance_id).order_by(AuditEvent.id)
    ))


def instance_data(rt: Runtime, instance: ProcessInstance) -> dict[str, Any]:
    """The process variables as the latest step sees them (restores the workflow)."""
    compiled = rt.specs.get(instance.definition)
    workflow = rt.serializer.loads(instance.state, compiled.spec, compiled.subprocess_specs)
    ready = workflow.get_tasks(state=TaskState.READY)
    source = ready[0] if ready else workflow.last_task
    data: dict[str, Any] = dict(source.data) if source is not None else dict(workflow.data)
    return data


def get_instance(session: Session, rt: Runtime, instance_id: int, user: User) -> InstanceView:
    """An instance with its data, open tasks and history, checked against `user`'s rights."""
    instance = load_instance(session, instance_id, user)
    open_tasks = list(session.scalars(
        select(HumanTask).where(HumanTask.instance_id == instance.id,
                                HumanTask.state.in_(OPEN_TASK_STATES)).order_by(HumanTask.id)
    ))
    return InstanceView(instance, instance_data(rt, instance), open_tasks,
                        instance_history(session, instance.id))


def tasks_for(session: Session, user: User, scope: str = "mine") -> list[HumanTask]:
    """Open tasks: `mine` (assigned to the user) or `role` (unclaimed, in the user's roles)."""
    query = select(HumanTask).where(HumanTask.state.in_(OPEN_TASK_STATES))
    if scope == "mine":
        query = query.where(HumanTask.assignee_id == user.id)
    elif scope == "role":
        query = query.where(HumanTask.assignee_id.is_(None),
                            HumanTask.role.in_(sorted(user.role_names)))
    else:
        raise ValueError(f"unknown scope {scope!r}")
    return list(session.scalars(query.order_by(HumanTask.due_at.is_(None), HumanTask.due_at,
                                               HumanTask.id)))
