"""Telling a role's pool that work has arrived: when a task opens unassigned, every active
holder of its role who chose to be told at once (`User.pool_mail_at_once`, the default) gets
a mail with the task's link, in the command's transaction (the outbox, invariant 6). The
others learn of it from the daily digest, which counts their roles' open tasks.

The customer's lane has no pool (its tasks go out as links). One mail per task and person
(key `task:<id>:offered:<user id>`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.i18n import texts_for
from engine.models import HumanTask, User, user_role
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
    for row in offered:
        for user in holders.get(row.role, []):
            subject, body = task_offered_text(row, user.language)
            queue_notification(session, key=f"task:{row.id}:offered:{user.id}", recipient=user,
                               kind="task_offered", subject=subject, body=body, now=now,
                               task=row)
