"""An instance retention cannot archive, recorded where an admin looks: a `failed` outbox row.

Like the reminder tick's failures (engine.reminders.isolation), the row is born `failed` (the
relay never sends it), shows on /mail/outbox with the reason in `last_error`, and its key
`retention_failed:instance:<id>:<company date>` keeps an instance that fails every day to
one row a day.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from engine.i18n import texts_for
from engine.mail.headers import one_line
from engine.reminders.drafts import insert_rows
from engine.reminders.isolation import FAILURE_LANGUAGE

KIND = "retention_failed"


def record_failure(session: Session, instance_id: int, reason: str, now: datetime,
                   tz: ZoneInfo) -> bool:
    """Write the failure row of `instance_id` for today; False if today's row exists."""
    day = now.astimezone(tz).date().isoformat()
    row = {"idempotency_key": f"{KIND}:instance:{instance_id}:{day}", "recipient_id": None,
           "recipient_email": None, "language": FAILURE_LANGUAGE, "kind": KIND,
           "subject": one_line(texts_for(FAILURE_LANGUAGE)._(
               "Not archived: instance {id}", id=instance_id)),
           "body": reason, "instance_id": instance_id, "task_id": None, "status": "failed",
           "attempts": 0, "created_at": now, "next_attempt_at": None, "last_error": reason}
    return bool(insert_rows(session, [row]))
