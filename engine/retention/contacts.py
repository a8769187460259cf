"""The customer's contact data in an instance: the fields its forms declare, and blanking them.

A form marks a property as contact data with `"x-keyflow-contact": true` (at any depth: a
property of an array's items counts too). Process data is one namespace per instance, so a
marked name is blanked wherever it appears in that instance's audit data — values become
null, the keys stay, so the history still says that something was submitted there.
The indicators never read these fields (engine/kpis), which is why blanking cannot move them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engine.models import AuditEvent, CustomerLink, Notification, ProcessInstance

CONTACT_KEYWORD = "x-keyflow-contact"


def contact_fields(forms: Iterable[Mapping[str, Any]]) -> frozenset[str]:
    """Names of the properties any of `forms` marks with `x-keyflow-contact: true`."""
    found: set[str] = set()
    stack: list[Any] = list(forms)
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
            continue
        if not isinstance(node, Mapping):
            continue
        properties = node.get("properties")
        if isinstance(properties, Mapping):
            found.update(str(name) for name, schema in properties.items()
                         if isinstance(schema, Mapping) and schema.get(CONTACT_KEYWORD) is True)
        stack.extend(node.values())
    return frozenset(found)


def blanked(value: Any, fields: frozenset[str]) -> Any:
    """`value` with every key in `fields` set to None, at any depth (a new structure)."""
    if isinstance(value, dict):
        return {key: None if key in fields else blanked(item, fields)
                for key, item in value.items()}
    if isinstance(value, list):
        return [blanked(item, fields) for item in value]
    return value


def blank_contacts(session: Session, instance: ProcessInstance,
                   forms: Iterable[Mapping[str, Any]]) -> int:
    """Blank the instance's contact data: the marked fields in its audit events, its
    customer links' addresses, and the address and body of its sent or failed mail to
    outside addresses. Returns how many audit events changed.

    The audit log is otherwise append-only (engine.audit refuses ORM changes); this
    redaction is its one sanctioned change, written with UPDATE statements.
    """
    fields = contact_fields(forms)
    changed = 0
    if fields:
        events = session.execute(select(AuditEvent.id, AuditEvent.data)
                                 .where(AuditEvent.instance_id == instance.id)).tuples().all()
        for event_id, data in events:
            redacted = blanked(data, fields)
            if redacted != data:
                session.execute(update(AuditEvent).where(AuditEvent.id == event_id)
                                .values(data=redacted))
                changed += 1
    session.execute(update(CustomerLink).where(CustomerLink.instance_id == instance.id)
                    .values(email=None))
    session.execute(update(Notification).where(
        Notification.instance_id == instance.id, Notification.recipient_id.is_(None),
        Notification.status != "pending").values(recipient_email=None, body=""))
    return changed
