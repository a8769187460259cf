"""The outbox relay: claim one due row, send it, mark it — the caller commits each one.

Committing after every message keeps the duplicate window (design.md invariant 6) to a
single mail: the row stays locked while SMTP runs, a killed worker's lock dies with its
connection and the row is simply pending again.

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
from email.message import EmailMessage
from typing import Protocol

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from engine.addresses import AddressInvalid
from engine.db import is_postgres
from engine.models import Notification, NotificationChannel, NotificationStatus

from .headers import safe_reason
from .mailer import Mailer, PermanentFailure, TemporaryFailure
from .render import MailComposer

log = logging.getLogger(__name__)
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=2)


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


def result_of(note: Notification, stop: bool = False) -> RelayResult:
    """The outcome of `note` as it stands now."""
    return RelayResult(note.id, note.idempotency_key, note.status, stop,
                       note.request_id, note.kind, note.instance_id, note.task_id,
                       note.channel)


class ChatSender(Protocol):
    """Posts a `chat` row to its work-chat hook (engine.chat.sender.ChatPoster), raising
    PermanentFailure or TemporaryFailure like a mailer."""

    def send(self, session: Session, note: Notification) -> None: ...


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


# Built once (a relay claims every row with it): building it cost more than running it.
_CLAIM = (
    select(Notification)
    .where(Notification.status == NotificationStatus.PENDING,
           Notification.next_attempt_at <= bindparam("now"))
    .order_by(Notification.next_attempt_at)  # the (status, next_attempt_at) index, no sort
    .limit(1)
    .execution_options(populate_existing=True)
)
_CLAIM_POSTGRES = _CLAIM.with_for_update(skip_locked=True)


def claim_next(session: Session, now: datetime) -> Notification | None:
    """Lock the oldest due pending row; other relays skip it (SKIP LOCKED on PostgreSQL)."""
    query = _CLAIM_POSTGRES if is_postgres(session) else _CLAIM
    return session.scalars(query, {"now": now}).first()


def compose(note: Notification, composer: MailComposer) -> EmailMessage:
    """The message of `note`, or PermanentFailure: what cannot be composed now never can."""
    if not note.recipient_email:
        raise PermanentFailure("no recipient address")
    try:
        return composer.compose(note)
    except AddressInvalid as err:
        raise PermanentFailure(f"recipient {err}") from err
    except Exception as err:
        raise PermanentFailure("the message could not be composed: "
                               + safe_reason(err, with_type=True)) from err


def relay_one(session: Session, mailer: Mailer, composer: MailComposer, now: datetime,
              max_attempts: int = 10, chat: ChatSender | None = None) -> RelayResult | None:
    """Send the next due notification and record the outcome; None when nothing is due.

    A `chat` row goes to its hook through `chat` instead of the mailer, with the same
    outcomes (a relay without `chat` leaves it to be retried by one that has it).

    Raises RowNotRecorded (and nothing else, once a row is claimed) when the outcome cannot
    be flushed: the caller rolls back and calls `record_apart`.
    """
    note = claim_next(session, now)
    if note is None:
        return None
    ident, key = note.id, note.idempotency_key
    note.attempts += 1
    stop = False
    try:
        if note.channel == NotificationChannel.CHAT:
            if chat is None:
                raise TemporaryFailure("this relay sends no chat messages")
            chat.send(session, note)
        else:
            mailer.send(compose(note, composer))
    except PermanentFailure as err:
        note.status, note.next_attempt_at = NotificationStatus.FAILED, None
        note.last_error = safe_reason(err)
        log.warning("notification %s (%s) failed for good: %s", ident, key, note.last_error)
    except TemporaryFailure as err:
        stop = err.stop_batch
        _retry_later(note, now, safe_reason(err), max_attempts)
    except Exception as err:
        # A mailer failing in a way it does not classify: this row may pass later, and the
        # attempts limit ends it if it never does.
        log.exception("notification %s (%s): unexpected sender error", ident, key)
        _retry_later(note, now, safe_reason(err, with_type=True), max_attempts)
    else:
        note.status, note.sent_at, note.last_error = NotificationStatus.SENT, now, None
    result = result_of(note, stop)
    try:
        session.flush()
    except Exception as err:
        raise RowNotRecorded(ident, key, sent=result.status == NotificationStatus.SENT,
                             cause=err) from err
    return result


def _retry_later(note: Notification, now: datetime, reason: str, max_attempts: int) -> None:
    note.last_error = reason
    if note.attempts >= max_attempts:
        note.status, note.next_attempt_at = NotificationStatus.FAILED, None
        log.warning("notification %s (%s) gave up after %d attempts: %s", note.id,
                    note.idempotency_key, note.attempts, reason)
    else:
        note.next_attempt_at = now + backoff(note.attempts)
        log.info("notification %s (%s) will be retried at %s: %s", note.id,
                 note.idempotency_key, note.next_attempt_at.isoformat(), reason)


def record_apart(session: Session, failure: RowNotRecorded, now: datetime,
                 max_attempts: int = 10) -> RelayResult:
    """In a fresh transaction, after `relay_one` raised: record what happened to that row.

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
        note.attempts += 1
        _retry_later(note, now, "could not record the outcome: " + failure.reason, max_attempts)
    session.flush()
    return result_of(note)
