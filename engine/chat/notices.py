"""Work notices for chat hooks, written into the outbox in the command's transaction.

A chat notice is an outbox row like a mail (invariant 6): `channel = chat`, `hook_id` the
hook, key `chat:<hook id>:<the event's own key>`, so the relay sends each at most once but for
a crash in the one-message window. Its subject is the headline; its body names the task,
the instance (process, customer, number) and what happened; the relay adds the due time and
the absolute link when it sends (engine/chat/sender.py). The events:

- a task assigned to a person (opening sticky, handed over, sent back to its doer): their
  own hook (`task_assigned`, as the mail);
- a task opening in a role's pool: the role's hook, and the own hook of each holder who asked
  to be told at once (`task_offered`, as the mail; digest-only holders get no chat message);
- a step sent back: the instance owner's hook (`instance_returned`; it replaces the plain
  "new task" message, as for mail);
- reminders (due soon, overdue, escalation), written by the tick (engine/reminders): each
  person's own hook, and the role's hook when the notice goes to a role's holders.

Two hooks with the same address get one message per event. A hook whose address is refused
when it is sent (settings changed since) fails with the reason, like any other.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from engine.i18n import DEFAULT_LANGUAGE, Texts, texts_for
from engine.models import (
    ChatHook,
    HumanTask,
    Notification,
    NotificationChannel,
    NotificationStatus,
    ProcessInstance,
    User,
)
from engine.observability.request_ids import current_request_id


def chat_key(hook_id: int, event: str) -> str:
    """The outbox key of the chat notice about `event` (a mail's key) for hook `hook_id`."""
    return f"chat:{hook_id}:{event}"


def hook_language(hook: ChatHook, owner: User | None) -> str:
    """A person's hook speaks their language; a role's group the department's."""
    return owner.language if owner is not None and hook.user_id == owner.id else DEFAULT_LANGUAGE


def instance_line(t: Texts, process: str, customer: str | None, instance_id: int) -> str:
    """Which instance a message is about, by name: its process, customer and number."""
    if customer:
        return t._("Instance: {process}, customer {customer} (no. {number})",
                   process=process, customer=customer, number=instance_id)
    return t._("Instance: {process} (no. {number})", process=process, number=instance_id)


def task_lines(session: Session, task: HumanTask, t: Texts) -> str:
    """The task's and its instance's names, one line each."""
    instance = session.get(ProcessInstance, task.instance_id)
    process = (t.name(instance.definition.name, instance.definition.name_en)
               if instance is not None else task.process_key)
    return "\n".join([t._("Task: {task}", task=t.name(task.name, task.name_en)),
                      instance_line(t, process, task.customer_name, task.instance_id)])


def queue_chat(session: Session, hook: ChatHook, *, event: str, kind: str, subject: str,
               body: str, language: str, now: datetime, task: HumanTask | None = None,
               instance_id: int | None = None, recipient_id: int | None = None,
               key_is_new: bool = False) -> Notification | None:
    """Add a pending chat notice for `hook` unless its key exists; None when skipped."""
    key = chat_key(hook.id, event)
    if not key_is_new and session.scalar(
            select(Notification.id).where(Notification.idempotency_key == key)) is not None:
        return None
    note = Notification(
        idempotency_key=key, recipient_id=recipient_id, recipient_email=None,
        language=language, kind=kind, subject=subject[:300], body=body,
        instance_id=instance_id if instance_id is not None
        else (task.instance_id if task else None),
        task_id=task.id if task else None, status=NotificationStatus.PENDING, attempts=0,
        created_at=now, next_attempt_at=now, request_id=current_request_id(),
        channel=NotificationChannel.CHAT, hook_id=hook.id)
    session.add(note)
    return note


def tell_hooks(session: Session, hooks: Iterable[tuple[ChatHook, User | None]],
               task: HumanTask, *, event: str, kind: str, now: datetime,
               words: Callable[[str], tuple[str, str]], key_is_new: bool = False) -> int:
    """Queue one notice about `task` per hook (each address once); return how many.

    `words(language)` gives the headline and the first line of the message.
    """
    seen: set[str] = set()
    queued = 0
    for hook, owner in hooks:
        if hook.url in seen:
            continue
        seen.add(hook.url)
        language = hook_language(hook, owner)
        headline, said = words(language)
        body = "\n".join([said, task_lines(session, task, texts_for(language))])
        queued += queue_chat(session, hook, event=event, kind=kind, subject=headline,
                             body=body, language=language, now=now, task=task,
                             recipient_id=owner.id if owner is not None else None,
                             key_is_new=key_is_new) is not None
    return queued


def own_hook(user: User | None) -> list[tuple[ChatHook, User | None]]:
    """The user's own hook, if they are active and have one."""
    if user is None or not user.active or user.chat_hook is None:
        return []
    return [(user.chat_hook, user)]


def role_hooks(session: Session, roles: Iterable[str]) -> dict[str, ChatHook]:
    """The hooks of `roles` (one statement; none when `roles` is empty)."""
    wanted = sorted(set(roles))
    if not wanted:
        return {}
    return {hook.role_name: hook for hook in session.scalars(
        select(ChatHook).where(ChatHook.role_name.in_(wanted))) if hook.role_name}


def withdraw_pending_chat(session: Session, user: User | None, event: str) -> None:
    """Drop the chat notice this same command queued under `event` for the user's hook (a
    later notice replaces it; nobody has seen the row: the transaction is still open)."""
    if user is None or user.chat_hook is None:
        return
    session.execute(delete(Notification).where(
        Notification.idempotency_key == chat_key(user.chat_hook.id, event),
        Notification.status == NotificationStatus.PENDING, Notification.attempts == 0))
