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

from sqlalchemy import Dialect, String, any_, bindparam, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from engine.models import Notification, NotificationChannel, NotificationStatus
from engine.observability.request_ids import current_request_id

from .ahead import prepared_ahead
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
    if not rows:
        return set()
    # the tick's run: the relay logs it when it sends
    return run_insert(session, insert_statement(rows, session.get_bind().dialect,
                                                current_request_id()))


Insert = tuple[Any, list[dict[str, Any]] | None]  # a statement and its rows (None: inside it)


def insert_statement(rows: list[dict[str, Any]], dialect: Dialect,
                     request_id: str | None) -> Insert:
    """The statement that inserts outbox `rows` (not empty) with `request_id`, returning the
    keys written; built without a session, so on a helper thread too (ahead.py)."""
    if dialect.name == "postgresql":
        columns, source = json_rows(Notification.__table__, rows,  # type: ignore[arg-type]
                                    dialect, {"request_id": request_id})
        stmt: Any = postgresql.insert(Notification).from_select(columns, source)
        stmt = stmt.on_conflict_do_nothing(index_elements=["idempotency_key"])
        return stmt.returning(Notification.idempotency_key), None
    rows = [{"request_id": request_id, **row} for row in rows]
    if dialect.name == "sqlite":
        stmt = sqlite.insert(Notification).on_conflict_do_nothing(
            index_elements=["idempotency_key"])
    else:
        stmt = insert(Notification)
    return stmt.returning(Notification.idempotency_key), rows


def run_insert(session: Session, insert: Insert) -> set[str]:
    """Run an `insert_statement`; the keys it wrote."""
    stmt, rows = insert
    return set(session.scalars(stmt) if rows is None else session.scalars(stmt, rows))


def write_drafts(session: Session, drafts: Iterable[Draft], now: datetime,
                 guard: RecordGuard | None = None) -> int:
    """Insert the drafts whose key is new; return how many rows were written.

    The existence check keeps the steady-state tick cheap. Each chunk is written in a
    savepoint; if the database refuses one of its rows, the chunk is written row by row and
    the refused draft goes to `guard` as a failure of its own. The next chunk's words and
    statement are made while the database writes this one (ahead.py).
    """
    unique = {d.key: d for d in drafts}
    if not unique:
        return 0
    have = existing_keys(session, list(unique))
    new = [d for k, d in unique.items() if k not in have]
    dialect, request_id = session.get_bind().dialect, current_request_id()

    def prepare(chunk: list[Draft]) -> tuple[list[Draft], Insert | None]:
        worded = _worded(chunk, guard)
        rows = [d.row(now) for d in worded]
        return worded, insert_statement(rows, dialect, request_id) if rows else None

    written = 0
    chunks = [new[start:start + CHUNK] for start in range(0, len(new), CHUNK)]
    for _chunk, (worded, statement) in prepared_ahead(chunks, prepare):
        if statement is None:  # every draft of the chunk failed its words
            continue
        try:
            with session.begin_nested():
                written += len(run_insert(session, statement))
        except Exception:
            if guard is None:
                raise
            for draft in worded:
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
