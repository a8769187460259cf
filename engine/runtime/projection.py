"""Keep the human_task table in step with the workflow, in the same transaction (invariant 4)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit import record
from engine.deployment import user_task_info
from engine.models import (
    ACTIVE_STATUSES,
    OPEN_TASK_STATES,
    HumanTask,
    ProcessInstance,
    TaskStatus,
    User,
)
from engine.outbox import queue_notification, task_assigned_text
from engine.roles import STICKY_ROLE

from .context import Runtime
from .returns import notices_in, previous_doer


def sync_tasks(session: Session, rt: Runtime, instance: ProcessInstance,
               workflow: BpmnWorkflow, *, now: datetime) -> list[HumanTask]:
    """Open a row for each new ready user task, cancel rows whose task went away."""
    ready = {} if instance.status not in ACTIVE_STATUSES else {
        str(task.id): task for task in workflow.get_tasks(state=TaskState.READY, manual=True)
    }
    open_rows = session.scalars(
        select(HumanTask).where(
            HumanTask.instance_id == instance.id, HumanTask.state.in_(OPEN_TASK_STATES)
        )
    ).all()
    for row in open_rows:
        if row.spiff_task_id not in ready:
            row.state = TaskStatus.CANCELLED
            record(session, "task_cancelled", at=now, instance=instance, task=row)
    known = {row.spiff_task_id for row in open_rows}
    created = [
        _open_task(session, instance, spiff_id, task, now)
        for spiff_id, task in ready.items()
        if spiff_id not in known
    ]
    session.flush()
    for row in created:
        created_data: dict[str, Any] = {
            "role": row.role, "assignee_id": row.assignee_id,
            "due_at": row.due_at.isoformat() if row.due_at else None}
        if row.notices:
            created_data["notices"] = row.notices  # sent back by a check: why, in history
        record(session, "task_created", at=now, instance=instance, task=row, data=created_data)
        if row.assignee is not None and not row.notices:
            # A task a check sent back is on its doer's screen already (they just acted).
            subject, body = task_assigned_text(row, row.assignee.language)
            queue_notification(session, key=f"task:{row.id}:assigned", recipient=row.assignee,
                               kind="task_assigned", subject=subject, body=body, now=now,
                               task=row)
    return created


def _open_task(session: Session, instance: ProcessInstance, spiff_id: str, task: object,
               now: datetime) -> HumanTask:
    info = user_task_info(task.task_spec)  # type: ignore[attr-defined]
    notices = notices_in(task.data)  # type: ignore[attr-defined]
    returned_to = previous_doer(session, instance, info.bpmn_id, info.role) if notices else None
    assignee = returned_to or _sticky_assignee(instance, info.role)
    row = HumanTask(
        spiff_task_id=spiff_id,
        instance_id=instance.id,
        process_key=instance.definition.key,
        customer_name=instance.customer_name,
        bpmn_id=info.bpmn_id,
        name=info.name,
        name_en=info.name_en,
        role=info.role,
        assignee_id=assignee.id if assignee else None,
        state=TaskStatus.CLAIMED if assignee else TaskStatus.READY,
        form_key=info.form_key,
        created_at=now,
        claimed_at=now if assignee else None,
        due_at=now + info.due_in if info.due_in else None,
        notices=notices or None,
    )
    row.assignee = assignee
    session.add(row)
    return row


def _sticky_assignee(instance: ProcessInstance, role: str) -> User | None:
    """The instance's owner (its account's senior manager) keeps its senior-manager tasks."""
    if role != STICKY_ROLE or instance.owner_id is None:
        return None
    owner = instance.owner
    if owner is not None and owner.active and owner.has_role(role):
        return owner
    return None
