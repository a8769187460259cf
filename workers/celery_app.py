"""The one Celery app, configured from this process's settings (engine.settings): those the
`keyflow` command read at its start, or read here on import (`celery -A workers.celery_app`).

Time lives in the database (design.md invariant 5): beat only says "tick" every
`KEYFLOW_TICK_SECONDS`; no task is ever scheduled with a countdown or an ETA.
"""

from __future__ import annotations

from typing import Any

from celery import Celery, signals

from engine.observability.logs import configure_logging
from engine.settings import Settings, current_settings

TICK_TASKS = ("keyflow.fire_timers", "keyflow.remind", "keyflow.relay", "keyflow.imports")
# Once a day (beat's schedule file remembers the last run across restarts); a plain period
# rather than a crontab, so the embedded beat runs the same schedule.
DAILY_TASKS = ("keyflow.retention",)
DAY = 86400.0


def beat_schedule(tick_seconds: float) -> dict[str, dict[str, Any]]:
    """Every tick task every `tick_seconds`, the daily ones daily; a run nobody took in time
    is dropped, not hoarded."""
    schedule = {
        name: {"task": name, "schedule": tick_seconds,
               "options": {"expires": max(tick_seconds * 4, 60.0)}}
        for name in TICK_TASKS
    }
    schedule.update({name: {"task": name, "schedule": DAY, "options": {"expires": 3600.0}}
                     for name in DAILY_TASKS})
    return schedule


def create_celery(settings: Settings) -> Celery:
    """The Celery app; without a broker it uses an in-memory one (embedded mode runs eagerly)."""
    app = Celery("keyflow", broker=settings.broker_url or "memory://",
                 include=["workers.tasks", "workers.import_tasks"])
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        task_default_queue="keyflow",
        broker_connection_retry_on_startup=True,
        # A task that outlives its worker comes back this long after; every task is
        # idempotent and short, and beat sends a fresh tick long before that anyway.
        broker_transport_options={"visibility_timeout": 600},
        timezone="UTC",
        enable_utc=True,
        beat_schedule=beat_schedule(settings.tick_seconds),
    )
    return app


@signals.setup_logging.connect
def _keyflow_logging(loglevel: int | str | None = None, **_: Any) -> None:
    """Worker and beat log like the web: one line per record, JSON in department mode
    (KEYFLOW_LOG_FORMAT), at the command's --loglevel. Connecting here stops Celery from
    installing its own handlers."""
    settings = current_settings()
    configure_logging(settings.logs_as_json, loglevel or settings.log_level)


app = create_celery(current_settings())
