"""The outbox relay: claim one due row, send it, mark it — the caller commits each one.

Committing after every message keeps the duplicate window (design.md invariant 6) to a
single mail: the row stays locked while SMTP runs, a killed worker's lock dies with its
connection and the row is simply pending again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.db import is_postgres
from engine.models import Notification

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


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, … minutes after each failed attempt, at most two hours."""
    delay = FIRST_RETRY * (2 ** max(attempts - 1, 0))
    return min(delay, LONGEST_RETRY)


def claim_next(session: Session, now: datetime) -> Notification | None:
    """Lock the oldest due pending row; other relays skip it (SKIP LOCKED on PostgreSQL)."""
    query = (
        select(Notification)
        .where(Notification.status == "pending", Notification.next_attempt_at <= now)
        .order_by(Notification.next_attempt_at)  # the (status, next_attempt_at) index, no sort
        .limit(1)
    )
    if is_postgres(session):
        query = query.with_for_update(skip_locked=True)
    return session.scalars(query.execution_options(populate_existing=True)).first()


def relay_one(session: Session, mailer: Mailer, composer: MailComposer, now: datetime,
              max_attempts: int = 10) -> RelayResult | None:
    """Send the next due notification and record the outcome; None when nothing is due."""
    note = claim_next(session, now)
    if note is None:
        return None
    note.attempts += 1
    stop = False
    try:
        if not note.recipient_email:
            raise PermanentFailure("no recipient address")
        mailer.send(composer.compose(note))
    except PermanentFailure as err:
        note.status, note.last_error, note.next_attempt_at = "failed", str(err)[:2000], None
        log.warning("notification %s (%s) failed for good: %s", note.id,
                    note.idempotency_key, err)
    except TemporaryFailure as err:
        stop = err.stop_batch
        note.last_error = str(err)[:2000]
        if note.attempts >= max_attempts:
            note.status, note.next_attempt_at = "failed", None
            log.warning("notification %s (%s) gave up after %d attempts: %s", note.id,
                        note.idempotency_key, note.attempts, err)
        else:
            note.next_attempt_at = now + backoff(note.attempts)
            log.info("notification %s (%s) will be retried at %s: %s", note.id,
                     note.idempotency_key, note.next_attempt_at.isoformat(), err)
    else:
        note.status, note.sent_at, note.last_error = "sent", now, None
    session.flush()
    return RelayResult(note.id, note.idempotency_key, note.status, stop)
