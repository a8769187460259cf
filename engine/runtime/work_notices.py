"""Mail when work arrives, written in the command's transaction (the outbox, invariant 6):

- a task opening unassigned: every active holder of its role who chose to be told at once
  (`User.pool_mail_at_once`, the default) gets its link (`task_offered`, key
  `task:<id>:offered:<user id>`); the others learn of it from the daily digest, which counts
  their roles' open tasks. The customer's lane has no pool (its tasks go out as links).
- a step done before opening again (the flow went back: a reviewer returned it): the
  instance's owner is told who sent it back to which step (`instance_returned`, key
  `task:<id>:returned`). When the step is the owner's own task, that mail replaces the plain
  "new task" one queued for it, so they get one mail saying what happened.

The same events go to work-chat hooks (engine/chat/notices.py): the role's hook and the
at-once holders' own hooks for a pool, the owner's hook for a step sent back.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime
from functools import partial

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from engine.chat.notices import own_hook, role_hooks, tell_hooks, withdraw_pending_chat
from engine.i18n import texts_for
from engine.models import (
    AuditEvent,
    HumanTask,
    Notification,
    ProcessInstance,
    User,
    user_role,
)
from engine.outbox import queue_notification
from engine.roles import EXTERNAL_ROLE


def task_offered_text(task: HumanTask, language: str) -> tuple[str, str]:
    """Subject and body of the 'a task waits in your role's pool' mail."""
    t = texts_for(language)
    name = t.name(task.name, task.name_en)
    customer = f" ({task.customer_name})" if task.customer_name else ""
    return (t._("A task for your role: {task}", task=name),
            t._('The task "{task}"{customer} waits for someone of your role to claim it.',
                task=name, customer=customer))


def notify_pools(session: Session, created: Iterable[HumanTask], now: datetime) -> None:
    """Mail the holders of each unassigned new task's role who want it at once."""
    offered = [row for row in created if row.assignee_id is None and row.role != EXTERNAL_ROLE]
    if not offered:
        return
    roles = sorted({row.role for row in offered})
    holders: dict[str, list[User]] = {}
    for user, role in session.execute(
            select(User, user_role.c.role_name)
            .join(user_role, user_role.c.user_id == User.id)
            .where(user_role.c.role_name.in_(roles), User.active,
                   User.pool_mail_at_once.is_(True))
            .order_by(User.id)).tuples():
        holders.setdefault(role, []).append(user)
    groups = role_hooks(session, roles)
    for row in offered:
        for user in holders.get(row.role, []):
            subject, body = task_offered_text(row, user.language)
            queue_notification(session, key=f"task:{row.id}:offered:{user.id}", recipient=user,
                               kind="task_offered", subject=subject, body=body, now=now,
                               task=row)
        group = [(groups[row.role], None)] if row.role in groups else []
        people = [pair for user in holders.get(row.role, []) for pair in own_hook(user)]
        tell_hooks(session, [*group, *people], row, event=f"task:{row.id}:offered",
                   kind="task_offered", now=now, words=partial(task_offered_text, row))


def task_returned_text(task: HumanTask, by: str | None, language: str) -> tuple[str, str]:
    """Subject and body of the 'your process was sent back' mail to the owner."""
    t = texts_for(language)
    name = t.name(task.name, task.name_en)
    who = by or t._("the process")
    return (t._("Sent back: {task}", task=name),
            t._('{who} sent your process (instance {instance}) back to the step "{task}".',
                who=who, instance=task.instance_id, task=name))


def notify_returns(session: Session, instance: ProcessInstance, created: list[HumanTask],
                   now: datetime, done_before: Collection[str]) -> None:
    """Tell the instance's owner about each new task whose step was done before
    (`done_before`: the elements the workflow completed, engine.runtime.projection)."""
    owner = instance.owner
    if not created or owner is None or not owner.active:
        return
    returned = [row for row in created if row.bpmn_id in done_before]
    if not returned:
        return
    last = session.scalars(select(AuditEvent.actor_id).where(
        AuditEvent.instance_id == instance.id, AuditEvent.action == "task_completed")
        .order_by(AuditEvent.id.desc()).limit(1)).first()
    sender = session.get(User, last) if last is not None else None
    if sender is not None and sender.id == owner.id:
        return  # they sent it back themselves (their own loop)
    by = (sender.display_name or sender.username) if sender is not None else None
    for row in returned:
        if row.assignee_id == owner.id:
            _withdraw_pending(session, f"task:{row.id}:assigned")
            withdraw_pending_chat(session, owner, f"task:{row.id}:assigned")
        subject, body = task_returned_text(row, by, owner.language)
        queue_notification(session, key=f"task:{row.id}:returned", recipient=owner,
                           kind="instance_returned", subject=subject, body=body, now=now,
                           task=row)
        tell_hooks(session, own_hook(owner), row, event=f"task:{row.id}:returned",
                   kind="instance_returned", now=now,
                   words=partial(task_returned_text, row, by))


def _withdraw_pending(session: Session, key: str) -> None:
    """Drop the mail queued under `key` by this same command (nobody else has seen the row:
    the transaction has not committed) because another mail replaces it."""
    session.execute(delete(Notification).where(Notification.idempotency_key == key,
                                               Notification.status == "pending",
                                               Notification.attempts == 0))
