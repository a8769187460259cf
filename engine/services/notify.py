"""`keyflow.notify_role`: tell everyone holding a role, by a mail in the outbox.

Parameters: `role` (a lane role), `subject` and `body` (Chinese), optionally `subject_en` and
`body_en` for users who read English. One outbox row per active user of the role with an
e-mail address, keyed by the service task's run, so a repeated command sends nothing twice.
Returns the number of people notified.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from engine.i18n import texts_for
from engine.models import Role, User, user_role
from engine.outbox import queue_notification
from engine.roles import LANE_ROLES

from .registry import ServiceContext, ServiceError

MAX_SUBJECT, MAX_BODY = 300, 5000


def _text(params: dict[str, Any], name: str, limit: int, default: str = "") -> str:
    value = params.get(name, default)
    if not isinstance(value, str):
        raise ServiceError(f"parameter {name!r} must be text")
    return value[:limit]


def role_members(ctx: ServiceContext, role: str) -> list[User]:
    """Active users holding `role`, in id order."""
    return list(ctx.session.scalars(
        select(User).join(user_role, user_role.c.user_id == User.id)
        .join(Role, Role.name == user_role.c.role_name)
        .where(Role.name == role, User.active.is_(True)).order_by(User.id)
    ))


def notify_role(ctx: ServiceContext, params: dict[str, Any], data: Mapping[str, Any]) -> int:
    """Queue one notification per member of the role; return how many were queued."""
    role = params.get("role")
    if role not in LANE_ROLES:
        raise ServiceError(f"role must be one of {', '.join(LANE_ROLES)}")
    subject = _text(params, "subject", MAX_SUBJECT)
    body = _text(params, "body", MAX_BODY)
    subject_en = _text(params, "subject_en", MAX_SUBJECT, subject)
    body_en = _text(params, "body_en", MAX_BODY, body)
    sent = 0
    for user in role_members(ctx, role):
        t = texts_for(user.language)
        note = queue_notification(
            ctx.session, key=f"service:{ctx.task_id}:{user.id}", recipient=user,
            kind="process_notice", subject=t.name(subject, subject_en),
            body=t.name(body, body_en), now=ctx.now, instance_id=ctx.instance.id,
        )
        sent += note is not None
    return sent
