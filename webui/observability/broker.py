"""The readiness check of the broker (department mode): can this process reach it now?

The web queues nothing (time lives in the database), but a department whose broker is gone
has no tick: no timers fire and no mail leaves. A fresh connection with a short timeout per
probe, through kombu (Celery's own transport layer), so any broker URL Celery takes works.
"""

from __future__ import annotations

from kombu import Connection

from engine.mail.headers import safe_reason
from engine.observability.readiness import Check

TIMEOUT_SECONDS = 2.0


def check_broker(url: str) -> Check:
    """`broker`: a connection opens within the timeout."""
    try:
        with Connection(url, connect_timeout=TIMEOUT_SECONDS) as connection:
            connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0,
                                         timeout=TIMEOUT_SECONDS)
    except Exception as err:
        return Check("broker", False, safe_reason(err, with_type=True))
    return Check("broker", True)
