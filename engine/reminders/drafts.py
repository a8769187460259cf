"""Writing many notifications at once, race-safe: an existing key is never written twice,
and a row the database refuses is set apart instead of undoing the others.

A draft may carry its words as a function (`words`) instead of a subject and body: they are
made only for keys that are new, so a tick that finds every key written (the steady state,
every 30 s) formats no text at all. A draft whose words cannot be made is a failure of its
own record, like one the database refuses.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import String, any_, bindparam, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from engine.models import Notification, NotificationChannel, NotificationStatus
from engine.observability.request_ids import current_request_id

from .bulk import json_rows

if TYPE_CHECKING:
    from .isolation import RecordGuard

CHUNK = 2000


@dataclass(frozen=True)
class Draft:
    """A notification about to be written."""

    key: str
    email: str
    language: str
    kind: str
    subject: str
    body: str
    recipient_id: int | None = None
    instance_id: int | None = None
    task_id: int | None = None
    words: Callable[[], tuple[str, str]] | None = None  # (subject, body), made when new
    record: str | None = None  # what a failure to make the words is recorded against
    channel: str = NotificationChannel.MAIL
    hook_id: int | None = None  # a `chat` draft's hook (engine/chat)

    def worded(self) -> Draft:
        """The draft with its subject and body made."""
        if self.words is None:
            return self
        subject, body = self.words()
        # Not dataclasses.replace, which inspects the fields on every call (a first tick words
        # tens of thousands of drafts); every field is carried over all the same.
        return Draft(**{**vars(self), "subject": subject, "body": body, "words": None})

    def row(self, now: datetime) -> dict[str, Any]:
        """The outbox row's column values."""
        return {"idempotency_key": self.key, "recipient_id": self.recipient_id,
                "recipient_email": self.email or None, "language": self.language,
                "kind": self.kind,
                "subject": self.subject[:300], "body": self.body, "instance_id": self.instance_id,
                "task_id": self.task_id, "status": NotificationStatus.PENDING, "attempts": 0,
                "created_at": now, "next_attempt_at": now, "channel": self.channel,
                "hook_id": self.hook_id}


def existing_keys(session: Session, keys: list[str]) -> set[str]:
    """Which of `keys` are already in the outbox: on PostgreSQL one statement with the keys
    as one array parameter (thousands of placeholders cost more to build than to look up)."""
    key = Notification.idempotency_key
    if session.get_bind().dialect.name == "postgresql":
        array = bindparam("keys", keys, type_=postgresql.ARRAY(String()))
        return set(session.scalars(select(key).where(key == any_(array))))
    found: set[str] = set()
    for start in range(0, len(keys), CHUNK):
        chunk = keys[start:start + CHUNK]
        found |= set(session.scalars(
            select(Notification.idempotency_key).where(Notification.idempotency_key.in_(chunk))))
    return found


def insert_rows(session: Session, rows: list[dict[str, Any]]) -> set[str]:
    """Insert outbox rows, skipping keys that exist; return the keys written.

    ON CONFLICT DO NOTHING keeps two ticks racing (two beats) from writing a key twice or
    failing the transaction.
    """
    dialect = session.get_bind().dialect.name
    if not rows:
        return set()
    request_id = current_request_id()  # the tick's run: the relay logs it when it sends
    if dialect == "postgresql":
        columns, source = json_rows(Notification.__table__, rows,  # type: ignore[arg-type]
                                    session.get_bind().dialect, {"request_id": request_id})
        stmt: Any = postgresql.insert(Notification).from_select(columns, source)
        stmt = stmt.on_conflict_do_nothing(index_elements=["idempotency_key"])
        return set(session.scalars(stmt.returning(Notification.idempotency_key)))
    rows = [{"request_id": request_id, **row} for row in rows]
    if dialect == "sqlite":
        stmt = sqlite.insert(Notification).on_conflict_do_nothing(
            index_elements=["idempotency_key"])
    else:
        stmt = insert(Notification)
    return set(session.scalars(stmt.returning(Notification.idempotency_key), rows))


def write_drafts(session: Session, drafts: Iterable[Draft], now: datetime,
                 guard: RecordGuard | None = None) -> int:
    """Insert the drafts whose key is new; return how many rows were written.

    The existence check keeps the steady-state tick cheap. Each chunk is written in a
    savepoint; if the database refuses one of its rows, the chunk is written row by row and
    the refused draft goes to `guard` as a failure of its own.
    """
    unique = {d.key: d for d in drafts}
    if not unique:
        return 0
    have = existing_keys(session, list(unique))
    new = _worded([d for k, d in unique.items() if k not in have], guard)
    written = 0
    for start in range(0, len(new), CHUNK):
        chunk = new[start:start + CHUNK]
        try:
            with session.begin_nested():
                written += len(insert_rows(session, [d.row(now) for d in chunk]))
        except Exception:
            if guard is None:
                raise
            for draft in chunk:
                written += len(_insert_one(session, draft, now, guard))
    return written


def _worded(drafts: list[Draft], guard: RecordGuard | None) -> list[Draft]:
    """The drafts with their words made; one whose words fail goes to `guard`."""
    made = []
    for draft in drafts:
        try:
            made.append(draft.worded())
        except Exception as err:
            if guard is None:
                raise
            guard.fail(draft.record or f"notice {draft.key}", err,
                       instance_id=draft.instance_id, task_id=draft.task_id,
                       recipient_id=draft.recipient_id)
    return made


def _insert_one(session: Session, draft: Draft, now: datetime, guard: RecordGuard) -> set[str]:
    try:
        with session.begin_nested():
            return insert_rows(session, [draft.row(now)])
    except Exception as err:
        guard.fail(f"notice {draft.key}", err, instance_id=draft.instance_id,
                   task_id=draft.task_id, recipient_id=draft.recipient_id)
        return set()
