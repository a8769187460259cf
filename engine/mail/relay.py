"""The outbox relay: lease a batch of due rows in one statement, send each, mark each alone.

A relay takes up to `limit` due rows with one UPDATE … RETURNING (`lease_due`): it stamps
them `leased_until` and reads everything their mails need, so nothing is loaded per mail.
Other relays skip leased rows (on PostgreSQL the lease's subquery also takes the rows
`FOR UPDATE SKIP LOCKED`, so two relays leasing at the same moment get disjoint batches; on
SQLite the write lock serialises them). Each row's outcome is then written by one UPDATE
of its own (`record_outcome`), committed before the next mail goes (design.md invariant 6):
a crash duplicates at most the one mail the server accepted but the database never heard
of. A relay that dies leaves its unsent rows leased; they are due again once the lease runs
out (`LEASE`, two minutes by the database's clock). A relay stops taking rows from its batch
well before then (the worker's task, `LEASE / 2`) and hands back what it did not send
(`release`), so a lease runs out under a live relay only if one message takes it a minute
or more (each SMTP step has its own timeout); `record_outcome` logs that case.

Chat rows (`channel = chat`, engine/chat) go through the same loop to their work-chat hook.

One row never holds up the others (issue 9): whatever goes wrong with a row is written on
that row. A mail that can never go (no or a malformed address, a message that cannot be
composed, a 5xx) is `failed` with `last_error`; one that may go later (4xx, connection
trouble, a mailer error nobody classified) is retried with backoff, and `failed` after
`max_attempts`. When even writing the outcome fails, `RowNotRecorded` tells the caller to
roll back and call `record_apart` in a fresh transaction.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import ColumnElement, Connection, Table, any_, bindparam, func, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from engine.addresses import AddressInvalid
from engine.db import is_postgres
from engine.models import Notification, NotificationChannel, NotificationStatus

from .headers import safe_reason
from .mailer import Mailer, PermanentFailure, TemporaryFailure
from .render import MailComposer, OutgoingMail

log = logging.getLogger(__name__)
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=2)
# How long a leased row is left to its relay, in the database's own time (not the engine's
# clock, which tests move by hours): a relay that died holds its rows that long. A live relay
# stops taking rows from its batch after half of it, by its own monotonic clock.
LEASE = timedelta(minutes=2)
OUTBOX: Table = Notification.__table__  # type: ignore[assignment]
_LEASED_COLUMNS = ("id", "idempotency_key", "recipient_email", "language", "kind", "subject",
                   "body", "instance_id", "task_id", "attempts", "created_at",
                   "next_attempt_at", "leased_until", "request_id", "channel", "hook_id")


@dataclass(frozen=True)
class LeasedMail:
    """One outbox row as a relay leased it: all that its mail (or chat message) and its log
    line need."""

    id: int
    idempotency_key: str
    recipient_email: str | None
    language: str
    kind: str
    subject: str
    body: str
    instance_id: int | None
    task_id: int | None
    attempts: int
    created_at: datetime
    next_attempt_at: datetime | None
    leased_until: datetime
    request_id: str | None
    channel: str = NotificationChannel.MAIL
    hook_id: int | None = None  # the chat hook of a `chat` row


@dataclass(frozen=True)
class RelayResult:
    """What happened to one row; `stop` when the rest of the batch should wait."""

    notification_id: int
    key: str
    status: str
    stop: bool = False
    # What the worker's log line about this row says: the request or run that wrote it.
    request_id: str | None = None
    kind: str | None = None
    instance_id: int | None = None
    task_id: int | None = None
    channel: str = NotificationChannel.MAIL


@dataclass(frozen=True)
class Outcome:
    """The row's new values after one attempt."""

    status: str
    attempts: int
    last_error: str | None = None
    next_attempt_at: datetime | None = None
    sent_at: datetime | None = None
    stop: bool = False


def result_of(note: Notification, stop: bool = False) -> RelayResult:
    """The outcome of `note` as it stands now."""
    return RelayResult(note.id, note.idempotency_key, note.status, stop,
                       note.request_id, note.kind, note.instance_id, note.task_id,
                       note.channel)


class ChatSender(Protocol):
    """Posts a `chat` row to its work-chat hook (engine.chat.sender.ChatPoster), raising
    PermanentFailure or TemporaryFailure like a mailer."""

    def send(self, session: Session, note: LeasedMail) -> None: ...


class RowNotRecorded(Exception):
    """The outcome of one row could not be written (the database refused it); `sent` says
    whether the mail server had already accepted the message."""

    def __init__(self, notification_id: int, key: str, *, sent: bool, cause: BaseException):
        super().__init__(f"notification {notification_id} ({key}): {safe_reason(cause)}")
        self.notification_id, self.key, self.sent = notification_id, key, sent
        self.reason = safe_reason(cause, with_type=True)


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, … minutes after each failed attempt, at most two hours."""
    delay = FIRST_RETRY * (2 ** max(attempts - 1, 0))
    return min(delay, LONGEST_RETRY)


def database_time(session: Session, ahead: timedelta = timedelta(0)) -> ColumnElement[Any]:
    """The database's clock `ahead` from now, as `leased_until` stores time (naive UTC)."""
    if is_postgres(session):
        # One time for the whole statement: the rows of a batch share their lease's end.
        return func.timezone("UTC", func.statement_timestamp()) + ahead
    return func.strftime("%Y-%m-%d %H:%M:%f", "now", f"{ahead.total_seconds():+.3f} seconds")


def lease_due(session: Session, now: datetime, limit: int,
              lease: timedelta = LEASE) -> list[LeasedMail]:
    """Lease up to `limit` rows pending and due at `now`, oldest due first, in one statement;
    the caller commits (then other relays skip them for `lease`, by the database's clock)."""
    c = OUTBOX.c
    due = (
        select(c.id)
        .where(c.status == NotificationStatus.PENDING, c.next_attempt_at <= now,
               or_(c.leased_until.is_(None), c.leased_until <= database_time(session)))
        .order_by(c.next_attempt_at)  # the (status, next_attempt_at) index, no sort
        .limit(limit)
    )
    chosen: ColumnElement[bool] = c.id.in_(due.scalar_subquery())
    if is_postgres(session):
        # ARRAY(…) runs the choice once, whatever the planner believes of the table's size
        # (an IN (…) over fresh, unanalysed rows may be planned as a re-scan per row).
        chosen = c.id == any_(func.array(due.with_for_update(skip_locked=True)
                                         .scalar_subquery()))
    stmt = (update(OUTBOX).where(chosen)
            .values(leased_until=database_time(session, lease))
            .returning(*(c[name] for name in _LEASED_COLUMNS)))
    leased = [LeasedMail(**row._mapping) for row in session.execute(stmt)]
    leased.sort(key=lambda m: (m.next_attempt_at or now, m.id))  # RETURNING has no order
    return leased


def release(session: Session, mails: list[LeasedMail]) -> int:
    """Hand back leased rows this relay will not send now (still pending, still ours)."""
    if not mails:
        return 0
    c = OUTBOX.c
    ours = [c.id.in_([m.id for m in mails]), c.status == NotificationStatus.PENDING]
    if is_postgres(session):  # SQLite keeps the lease as text: its write lock is the guard
        ours.append(c.leased_until == mails[0].leased_until)
    stmt = update(OUTBOX).where(*ours).values(leased_until=None)
    return int(session.execute(stmt).rowcount)  # type: ignore[attr-defined]


def compose(mail: LeasedMail, composer: MailComposer) -> OutgoingMail:
    """The message of `mail`, or PermanentFailure: what cannot be composed now never can."""
    if not mail.recipient_email:
        raise PermanentFailure("no recipient address")
    try:
        return composer.compose(mail)
    except AddressInvalid as err:
        raise PermanentFailure(f"recipient {err}") from err
    except Exception as err:
        raise PermanentFailure("the message could not be composed: "
                               + safe_reason(err, with_type=True)) from err


def attempt(mailer: Mailer, composer: MailComposer, mail: LeasedMail, now: datetime,
            max_attempts: int = 10, *, session: Session | None = None,
            chat: ChatSender | None = None) -> Outcome:
    """Compose and send one leased row — a mail on `mailer`, a `chat` row to its hook through
    `chat` (which reads with `session`); what the row becomes. Never raises for the row's own
    sake: every failure is an outcome (a relay without `chat` leaves chat rows to one that
    has it)."""
    attempts = mail.attempts + 1
    try:
        if mail.channel == NotificationChannel.CHAT:
            if chat is None or session is None:
                raise TemporaryFailure("this relay sends no chat messages")
            chat.send(session, mail)
        else:
            mailer.send(compose(mail, composer))
    except PermanentFailure as err:
        reason = safe_reason(err)
        log.warning("notification %s (%s) failed for good: %s", mail.id, mail.idempotency_key,
                    reason)
        return Outcome(NotificationStatus.FAILED, attempts, reason)
    except TemporaryFailure as err:
        return _retry_later(mail.id, mail.idempotency_key, attempts, now, safe_reason(err),
                            max_attempts, stop=err.stop_batch)
    except Exception as err:
        # A mailer failing in a way it does not classify: this row may pass later, and the
        # attempts limit ends it if it never does.
        log.exception("notification %s (%s): unexpected sender error", mail.id,
                      mail.idempotency_key)
        return _retry_later(mail.id, mail.idempotency_key, attempts, now,
                            safe_reason(err, with_type=True), max_attempts)
    return Outcome(NotificationStatus.SENT, attempts, sent_at=now)


# Built once: the per-mail statement is the relay's hot path.
_RECORD = (
    update(OUTBOX)
    .where(OUTBOX.c.id == bindparam("row_id"), OUTBOX.c.status == NotificationStatus.PENDING)
    .values(status=bindparam("new_status"), attempts=bindparam("new_attempts"),
            last_error=bindparam("new_error"), next_attempt_at=bindparam("new_next"),
            sent_at=bindparam("new_sent"), leased_until=None)
)


def record_outcome(session: Session | Connection, mail: LeasedMail, outcome: Outcome
                   ) -> RelayResult:
    """Write `outcome` on the row with one UPDATE; the caller commits.

    `session` may be the bare Connection a relay's session is bound to: the statement is
    Core, and a relay commits one a mail, so the Session's own bookkeeping around it is
    spared. Raises RowNotRecorded when the database refuses it: the caller rolls back and
    calls `record_apart`. A row that is no longer pending was finished by another relay after
    this one's lease ran out: said in the log (the mail may have gone twice), nothing written.
    """
    params: dict[str, Any] = {"row_id": mail.id, "new_status": outcome.status,
                              "new_attempts": outcome.attempts, "new_error": outcome.last_error,
                              "new_next": outcome.next_attempt_at, "new_sent": outcome.sent_at}
    try:
        found = session.execute(_RECORD, params).rowcount  # type: ignore[attr-defined]
    except Exception as err:
        raise RowNotRecorded(mail.id, mail.idempotency_key,
                             sent=outcome.status == NotificationStatus.SENT, cause=err) from err
    if isinstance(session, Session):
        stale = session.identity_map.get(identity_key(Notification, mail.id))
        if stale is not None:  # a caller holding the row as an object sees the new values
            session.expire(stale)
    if not found:
        log.error("notification %s (%s) was finished by another relay after this one's lease "
                  "ran out; its outcome here (%s) is not recorded", mail.id,
                  mail.idempotency_key, outcome.status)
    return RelayResult(mail.id, mail.idempotency_key, outcome.status, outcome.stop,
                       mail.request_id, mail.kind, mail.instance_id, mail.task_id, mail.channel)


def relay_one(session: Session, mailer: Mailer, composer: MailComposer, now: datetime,
              max_attempts: int = 10, chat: ChatSender | None = None) -> RelayResult | None:
    """Lease, send and record the next due notification; None when nothing is due. The
    caller commits. A `chat` row goes to its hook through `chat` instead of the mailer.

    Raises RowNotRecorded (and nothing else, once a row is leased) when the outcome cannot
    be written: the caller rolls back and calls `record_apart`.
    """
    leased = lease_due(session, now, 1)
    if not leased:
        return None
    mail = leased[0]
    return record_outcome(session, mail, attempt(mailer, composer, mail, now, max_attempts,
                                                 session=session, chat=chat))


def _retry_later(ident: int, key: str, attempts: int, now: datetime, reason: str,
                 max_attempts: int, *, stop: bool = False) -> Outcome:
    if attempts >= max_attempts:
        log.warning("notification %s (%s) gave up after %d attempts: %s", ident, key,
                    attempts, reason)
        return Outcome(NotificationStatus.FAILED, attempts, reason, stop=stop)
    when = now + backoff(attempts)
    log.info("notification %s (%s) will be retried at %s: %s", ident, key, when.isoformat(),
             reason)
    return Outcome(NotificationStatus.PENDING, attempts, reason, when, stop=stop)


def record_apart(session: Session, failure: RowNotRecorded, now: datetime,
                 max_attempts: int = 10) -> RelayResult:
    """In a fresh transaction, after writing an outcome raised: record what happened to that
    row.

    A mail the server accepted is marked sent — or, if the database refuses that too,
    `failed` with the reason, so that it is never sent a second time (invariant 6). Any other
    row counts one more attempt and is retried with backoff.
    """
    query = select(Notification).where(Notification.id == failure.notification_id,
                                       Notification.status == NotificationStatus.PENDING)
    if is_postgres(session):
        query = query.with_for_update(skip_locked=True)
    note = session.scalars(query.execution_options(populate_existing=True)).first()
    if note is None:  # another relay holds it or has finished it
        return RelayResult(failure.notification_id, failure.key, NotificationStatus.PENDING)
    note.attempts += 1
    note.leased_until = None
    if failure.sent:
        try:
            with session.begin_nested():
                note.status, note.sent_at, note.last_error = NotificationStatus.SENT, now, None
        except Exception as err:
            note.status, note.next_attempt_at = NotificationStatus.FAILED, None
            note.last_error = ("accepted by the mail server but could not be marked sent: "
                               + safe_reason(err, with_type=True))
            log.error("notification %s (%s) %s; it will not be sent again", note.id,
                      note.idempotency_key, note.last_error)
    else:
        outcome = _retry_later(note.id, note.idempotency_key, note.attempts, now,
                               "could not record the outcome: " + failure.reason, max_attempts)
        note.status, note.last_error = outcome.status, outcome.last_error
        note.next_attempt_at = outcome.next_attempt_at
    session.flush()
    return result_of(note)
