"""Reading chat hooks for the profile and admin pages and the API: masked, with how the
latest message to each fared."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.chat.addresses import masked_url
from engine.chat.hooks import hook_of
from engine.models import ChatHook, Notification, NotificationChannel, User


@dataclass(frozen=True)
class LastMessage:
    """The latest chat message written for a hook."""

    status: str
    at: datetime
    error: str | None


@dataclass(frozen=True)
class HookView:
    """A hook as people may see it: never the whole address nor the secret."""

    role: str | None
    kind: str
    format: str
    url: str  # masked
    signed: bool
    updated_at: datetime
    last: LastMessage | None


def _view(session: Session, hook: ChatHook) -> HookView:
    row = session.execute(
        select(Notification.status, Notification.created_at, Notification.last_error)
        .where(Notification.hook_id == hook.id,
               Notification.channel == NotificationChannel.CHAT)
        .order_by(Notification.id.desc()).limit(1)).first()
    last = LastMessage(row.status, row.created_at, row.last_error) if row else None
    return HookView(hook.role_name, hook.kind, hook.format, masked_url(hook.url),
                    hook.secret is not None, hook.updated_at, last)


def hook_view(session: Session, user: User, role: str | None = None) -> HookView | None:
    """The user's own hook, or (admins; Forbidden otherwise, NotFound for a role that takes
    none) the role's."""
    hook = hook_of(session, user, role)
    return _view(session, hook) if hook is not None else None


def role_hook_views(session: Session) -> dict[str, HookView]:
    """Every role's hook, by role name (the admin's roles page)."""
    return {hook.role_name: _view(session, hook) for hook in session.scalars(
        select(ChatHook).where(ChatHook.role_name.is_not(None))) if hook.role_name}
