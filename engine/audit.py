"""Writing the audit log, and keeping it append-only."""

from __future__ import annotations

import math
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, UOWTransaction

from engine.models import AuditEvent, HumanTask, ProcessInstance, User
from engine.observability.request_ids import current_request_id
from engine.orm_rows import new_row

JSON_SAFE_DEPTH = 64  # deeper than any data keyflow accepts; what is below is cut off
_AS_IS = frozenset({str, int, bool, type(None)})  # json_safe gives these back unchanged


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
    """Add one audit event to the session (the caller's transaction commits it), marked with
    the id of the request or worker run writing it."""
    audit = new_row(AuditEvent, {
        "at": at,
        "actor_id": actor.id if actor else None,
        "action": action,
        "instance_id": instance.id if instance else (task.instance_id if task else None),
        "task_id": task.id if task else None,
        "process_key": process_key or (task.process_key if task else None)
        or (instance.definition.key if instance else None),
        "bpmn_id": task.bpmn_id if task else None,
        "data": json_safe(data or {}),
        "request_id": current_request_id(),
    })
    session.add(audit)
    return audit


def json_safe(value: Any, depth: int = 0) -> Any:
    """`value` as plain JSON for a JSON column: dates and times in ISO 8601, decimals as text
    (exact), tuples and sets as lists, names as text, non-finite numbers and anything else as
    its text. Task data may hold such values (the engine API, scripts, decisions)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if depth > JSON_SAFE_DEPTH:
        return "…"
    if isinstance(value, dict):
        return {k if type(k) is str else str(k):
                v if type(v) in _AS_IS else json_safe(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=repr) if isinstance(value, set | frozenset) else value
        return [json_safe(v, depth + 1) for v in items]
    return str(value)


class AuditLogIsAppendOnly(RuntimeError):
    """Raised when code tries to change or delete an audit event."""


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session: Session, _ctx: UOWTransaction, _instances: Any) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise AuditLogIsAppendOnly("audit events are never changed or deleted")
