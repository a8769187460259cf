"""Writing the audit log, and keeping it append-only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, UOWTransaction

from engine.models import AuditEvent, HumanTask, ProcessInstance, User


def record(
    session: Session,
    action: str,
    *,
    at: datetime,
    actor: User | None = None,
    instance: ProcessInstance | None = None,
    task: HumanTask | None = None,
    process_key: str | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add one audit event to the session (the caller's transaction commits it)."""
    audit = AuditEvent(
        at=at,
        actor_id=actor.id if actor else None,
        action=action,
        instance_id=instance.id if instance else (task.instance_id if task else None),
        task_id=task.id if task else None,
        process_key=process_key or (task.process_key if task else None)
        or (instance.definition.key if instance else None),
        bpmn_id=task.bpmn_id if task else None,
        data=data or {},
    )
    session.add(audit)
    return audit


class AuditLogIsAppendOnly(RuntimeError):
    """Raised when code tries to change or delete an audit event."""


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session: Session, _ctx: UOWTransaction, _instances: Any) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise AuditLogIsAppendOnly("audit events are never changed or deleted")
