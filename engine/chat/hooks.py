"""Setting, removing and trying a chat hook: a user's own (theirs to set), a role's (admins).

Every refusal is InvalidData with `details` mapping the field (`kind`, `format`, `url`,
`secret`, `role`) to a message in the actor's language. The address and secret are kept as
given (they are needed to post) and never returned whole (addresses.masked_url). Setting or
removing is audited (`chat_hook_set`, `chat_hook_removed`) with the masked address only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit import record
from engine.errors import Forbidden, InvalidData, NotFound
from engine.i18n import DEFAULT_LANGUAGE, texts_for
from engine.models import ChatFormat, ChatHook, ChatKind, Notification, Role, User
from engine.roles import CHAT_HOOK_ROLES, SETS_ROLE_HOOKS_ROLES

from .addresses import HookHosts, HookRefused, check_secret, check_url, masked_url
from .notices import queue_chat


@dataclass(frozen=True)
class HookRequest:
    """What a person asked for. `url` None or empty keeps the saved address; `secret` None
    keeps the saved one, empty removes it."""

    kind: str
    format: str = ChatFormat.TEXT
    url: str | None = None
    secret: str | None = None


def hook_of(session: Session, actor: User, role: str | None) -> ChatHook | None:
    """The actor's own hook, or (admins) the role's; Forbidden/NotFound as `set_hook`."""
    if role is None:
        return session.scalars(select(ChatHook).where(ChatHook.user_id == actor.id)).first()
    _check_role(session, actor, role)
    return session.scalars(select(ChatHook).where(ChatHook.role_name == role)).first()


def _check_role(session: Session, actor: User, role: str) -> None:
    if not actor.role_names & SETS_ROLE_HOOKS_ROLES:
        raise Forbidden("only admins set a role's chat hook")
    if role not in CHAT_HOOK_ROLES or session.get(Role, role) is None:
        raise NotFound(f"no role {role!r} takes a chat hook")


def set_hook(session: Session, actor: User, role: str | None, request: HookRequest,
             hosts: HookHosts, now: datetime) -> ChatHook:
    """Create or change the hook of `role` (admins) or of the actor; return it."""
    t = texts_for(actor.language)
    hook = hook_of(session, actor, role)
    problems: dict[str, str] = {}
    if request.kind not in set(ChatKind):
        problems["kind"] = t._("Choose WeCom or DingTalk.")
    if request.format not in set(ChatFormat):
        problems["format"] = t._("Choose plain text or Markdown.")
    if problems:
        raise InvalidData("the chat hook cannot be saved", problems)
    url = (request.url or "").strip() or (hook.url if hook is not None else "")
    secret = request.secret if request.secret is not None else (
        hook.secret if hook is not None and request.kind == ChatKind.DINGTALK else None)
    try:
        url = check_url(url, request.kind, hosts)
    except HookRefused as err:
        problems[err.field] = err.said(t)
    try:
        secret = check_secret(secret, request.kind)
    except HookRefused as err:
        problems[err.field] = err.said(t)
    if problems:
        raise InvalidData("the chat hook cannot be saved: " + "; ".join(problems.values()),
                          problems)
    if hook is None:
        hook = ChatHook(role_name=role, user_id=None if role else actor.id, created_at=now)
        session.add(hook)
    hook.kind, hook.format, hook.url, hook.secret = request.kind, request.format, url, secret
    hook.updated_at, hook.updated_by_id = now, actor.id
    session.flush()
    if role is None:
        session.expire(actor, ["chat_hook"])  # the user's own hook, loaded with them
    record(session, "chat_hook_set", at=now, actor=actor,
           data={"role": role, "kind": hook.kind, "format": hook.format,
                 "url": masked_url(url), "signed": secret is not None})
    return hook


def remove_hook(session: Session, actor: User, role: str | None, now: datetime) -> bool:
    """Remove the hook of `role` (admins) or of the actor; whether there was one. Its waiting
    messages then fail with "the chat hook was removed" (engine/chat/sender.py)."""
    hook = hook_of(session, actor, role)
    if hook is None:
        return False
    record(session, "chat_hook_removed", at=now, actor=actor,
           data={"role": role, "url": masked_url(hook.url)})
    session.delete(hook)
    session.flush()
    if role is None:
        session.expire(actor, ["chat_hook"])
    return True


def send_test(session: Session, actor: User, role: str | None, now: datetime
              ) -> Notification:
    """Queue a test message to the hook (the relay sends it like any other); NotFound when
    there is no hook."""
    hook = hook_of(session, actor, role)
    if hook is None:
        raise NotFound("no chat hook is set")
    language = actor.language if role is None else DEFAULT_LANGUAGE
    t = texts_for(language)
    name = actor.display_name or actor.username
    note = queue_chat(session, hook, event=f"test:{now.isoformat()}", kind="chat_test",
                      subject=t._("keyflow test message"),
                      body=t._("{name} set up this robot for keyflow's work notices. New "
                               "tasks, tasks sent back and reminders arrive here.", name=name),
                      language=language, now=now,
                      recipient_id=actor.id if role is None else None)
    if note is None:  # a second click in the same instant
        raise InvalidData("a test message was just queued", {"": t._("A test message was just "
                                                                   "queued; wait a moment.")})
    return note
