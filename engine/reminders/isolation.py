"""One bad record never stops a reminder tick (issue 9).

Each rule hands every record (a task, an instance, a customer, a user) to a `RecordGuard`,
which works it out on its own — inside a savepoint when the work touches the database — and
keeps the failure instead of raising it. The tick then writes each failure as a `failed`
outbox row of kind `reminder_failed`: an admin finds it on /mail/outbox (status `failed`),
with the record in the subject, the reason in `last_error`, and the instance and task it
concerns. Its key, `reminder_failed:<rule>:<record>:<company date>`, keeps a record that
fails on every tick to one row a day (and one warning in the log; later ticks log at info).
The relay never picks these rows up: they are born `failed`.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from engine.i18n import texts_for
from engine.mail.headers import one_line, safe_reason
from engine.models import NotificationStatus

from .drafts import Draft, insert_rows

log = logging.getLogger(__name__)
KEY_LIMIT = 200  # notification.idempotency_key
# A failure is an operator's record, never mailed; its reason is an exception's English text.
FAILURE_LANGUAGE = "en"


@dataclass(frozen=True)
class RecordFailure:
    """A record whose notices could not be worked out or written, and why."""

    rule: str
    record: str  # "task 12", "instance 5", "user 7", "definition 3", "notice <key>"
    reason: str
    instance_id: int | None = None
    task_id: int | None = None
    recipient_id: int | None = None

    def key(self, day: str) -> str:
        """The idempotency key of this failure's outbox row on company date `day`."""
        key = f"reminder_failed:{self.rule}:{self.record.replace(' ', ':')}:{day}"
        if len(key) <= KEY_LIMIT:
            return key
        digest = hashlib.sha256(self.record.encode()).hexdigest()[:32]
        return f"reminder_failed:{self.rule}:{digest}:{day}"

    def row(self, day: str, now: datetime, *, linked: bool = True) -> dict[str, Any]:
        """The `failed` outbox row; without `linked` it names no user, instance or task."""
        return {"idempotency_key": self.key(day),
                "recipient_id": self.recipient_id if linked else None,
                "recipient_email": None, "language": FAILURE_LANGUAGE, "kind": "reminder_failed",
                "subject": one_line(texts_for(FAILURE_LANGUAGE)._(
                    "Reminder not written: {record} ({rule})", record=self.record,
                    rule=self.rule)),
                "body": self.reason, "instance_id": self.instance_id if linked else None,
                "task_id": self.task_id if linked else None, "status": NotificationStatus.FAILED,
                "attempts": 0, "created_at": now, "next_attempt_at": None,
                "last_error": self.reason}


class RecordGuard:
    """Runs one rule's records one by one; a record that fails is kept, not raised."""

    def __init__(self, session: Session, rule: str) -> None:
        self.session = session
        self.rule = rule
        self.failures: list[RecordFailure] = []

    def drafts(self, record: str, produce: Callable[[], Iterable[Draft]], *,
               savepoint: bool = False, instance_id: int | None = None,
               task_id: int | None = None, recipient_id: int | None = None) -> list[Draft]:
        """The drafts `produce` makes for one record, or none if it fails.

        `savepoint` for work that reads or writes the database: a failed statement then
        undoes only this record's writes (and PostgreSQL's transaction stays usable).
        """
        try:
            if not savepoint:
                return list(produce())
            with self.session.begin_nested():
                return list(produce())
        except Exception as err:
            self.fail(record, err, instance_id=instance_id, task_id=task_id,
                      recipient_id=recipient_id)
            return []

    def fail(self, record: str, err: BaseException | str, *, instance_id: int | None = None,
             task_id: int | None = None, recipient_id: int | None = None) -> None:
        """Keep the failure of `record` (an exception, or a reason in words)."""
        reason = err if isinstance(err, str) else safe_reason(err, with_type=True)
        self.failures.append(RecordFailure(self.rule, record, one_line(reason, 2000),
                                           instance_id, task_id, recipient_id))


def write_failures(session: Session, failures: Iterable[RecordFailure], now: datetime,
                   tz: ZoneInfo) -> int:
    """Write each failure as a `failed` outbox row (once a record a day); log each one."""
    day = now.astimezone(tz).date().isoformat()
    found = {f.key(day): f for f in failures}
    written: set[str] = set()
    try:
        with session.begin_nested():
            written = insert_rows(session, [f.row(day, now) for f in found.values()])
    except Exception:
        # One row named an instance or task that is gone: write each alone, unlinked if need be.
        for failure in found.values():
            written |= _write_one(session, failure, day, now)
    for key, failure in found.items():
        level = logging.WARNING if key in written else logging.INFO
        log.log(level, "reminder rule %s skipped %s (instance %s, task %s): %s", failure.rule,
                failure.record, failure.instance_id, failure.task_id, failure.reason)
    return len(written)


def _write_one(session: Session, failure: RecordFailure, day: str, now: datetime) -> set[str]:
    for linked in (True, False):
        try:
            with session.begin_nested():
                return insert_rows(session, [failure.row(day, now, linked=linked)])
        except Exception:
            log.exception("the failure of %s could not be written (linked=%s)",
                          failure.record, linked)
    return set()
