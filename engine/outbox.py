"""Writing notifications into the outbox inside the command's transaction (invariant 6)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from engine.i18n import Texts, texts_for
from engine.models import HumanTask, Notification, NotificationStatus, ProcessInstance, User
from engine.observability.request_ids import current_request_id
from engine.orm_rows import new_row


def queue_notification(
    session: Session,
    *,
    key: str,
    recipient: User,
    kind: str,
    subject: str,
    body: str,
    now: datetime,
    task: HumanTask | None = None,
    instance_id: int | None = None,
    key_is_new: bool = False,
) -> Notification | None:
    """Add a pending notification unless one with `key` exists; return it, or None if skipped.

    `key_is_new`: the key names a row this transaction just created, so no notification can
    have it yet and the lookup is skipped (the unique key would still refuse a duplicate).
    """
    if not recipient.email:
        return None
    if not key_is_new:
        exists = session.scalar(select(Notification.id)
                                .where(Notification.idempotency_key == key))
        if exists is not None:
            return None
    note = new_row(Notification, {
        "idempotency_key": key,
        "recipient_id": recipient.id,
        "recipient_email": recipient.email,
        "language": recipient.language,
        "kind": kind,
        "subject": subject,
        "body": body,
        "instance_id": instance_id if instance_id is not None
        else (task.instance_id if task else None),
        "task_id": task.id if task else None,
        "status": NotificationStatus.PENDING,
        "attempts": 0,
        "created_at": now,
        "next_attempt_at": now,
        "request_id": current_request_id(),
    })
    session.add(note)
    return note


def task_assigned_text(task: HumanTask, language: str) -> tuple[str, str]:
    """Subject and body of the 'a task is yours' mail, in the recipient's language."""
    t = texts_for(language)
    name = t.name(task.name, task.name_en)
    return (t._("New task: {task}", task=name),
            t._('The task "{task}" of process {process} (instance {instance}) is assigned to '
                "you.", task=name, process=_process_name(task, t), instance=task.instance_id))


def _process_name(task: HumanTask, t: Texts) -> str:
    """The name of the task's process for the reader (its key only for a task in no session:
    a task row always has one where mail is written)."""
    session = object_session(task)
    instance = session.get(ProcessInstance, task.instance_id) if session is not None else None
    if instance is None:
        return task.process_key
    return t.name(instance.definition.name, instance.definition.name_en)
