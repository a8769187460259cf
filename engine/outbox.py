"""Writing notifications into the outbox inside the command's transaction (invariant 6)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import HumanTask, Notification, NotificationStatus, User


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
) -> Notification | None:
    """Add a pending notification unless one with `key` exists; return it, or None if skipped."""
    if not recipient.email:
        return None
    exists = session.scalar(select(Notification.id).where(Notification.idempotency_key == key))
    if exists is not None:
        return None
    note = Notification(
        idempotency_key=key,
        recipient_id=recipient.id,
        recipient_email=recipient.email,
        language=recipient.language,
        kind=kind,
        subject=subject,
        body=body,
        instance_id=instance_id if instance_id is not None
        else (task.instance_id if task else None),
        task_id=task.id if task else None,
        status=NotificationStatus.PENDING,
        attempts=0,
        created_at=now,
        next_attempt_at=now,
    )
    session.add(note)
    return note


def task_assigned_text(task: HumanTask, language: str) -> tuple[str, str]:
    """Subject and body of the 'a task is yours' mail, in the recipient's language."""
    if language == "en":
        return (f"New task: {task.name}",
                f"The task \"{task.name}\" of process {task.process_key} "
                f"(instance {task.instance_id}) is assigned to you.")
    return (f"新任务：{task.name}",
            f"流程 {task.process_key}（实例 {task.instance_id}）的任务“{task.name}”已分配给您。")
