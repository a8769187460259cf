"""The work gauges as Prometheus metric families, read from the database at each scrape.

Tasks, instances, incidents, the outbox and the mail counters are rows, so every process
that is scraped shows the same numbers (engine.observability.work_gauges); the tick's
timings are rows the workers write (engine.observability.tick_stats). When the database
does not answer, the scrape still succeeds with `keyflow_database_up 0` and the reason logged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    Metric,
    SummaryMetricFamily,
)
from sqlalchemy.orm import Session

from engine.clock import Clock
from engine.models import NotificationStatus
from engine.observability.work_gauges import WorkSnapshot, read_work_snapshot

log = logging.getLogger(__name__)


class WorkCollector:
    """A prometheus-client collector over `sessions` and `clock` (overdue and ages)."""

    def __init__(self, sessions: Callable[[], Session], clock: Clock) -> None:
        self.sessions = sessions
        self.clock = clock

    def describe(self) -> Iterator[Metric]:
        """The families' names without reading the database (registration calls this)."""
        yield GaugeMetricFamily("keyflow_database_up", DATABASE_UP)
        yield from families(None)

    def collect(self) -> Iterator[Metric]:
        """Read the snapshot; on a database error only `keyflow_database_up 0`."""
        try:
            with self.sessions() as session:
                snapshot = read_work_snapshot(session, self.clock.now())
                session.rollback()
        except Exception as err:
            log.warning("metrics: the database did not answer: %s", err)
            yield GaugeMetricFamily("keyflow_database_up", DATABASE_UP, value=0)
            return
        yield GaugeMetricFamily("keyflow_database_up", DATABASE_UP, value=1)
        yield from families(snapshot)


DATABASE_UP = "1 when the last scrape could read the database"
HELP = {
    "keyflow_tasks_open": "Open tasks (ready or claimed)",
    "keyflow_tasks_overdue": "Open tasks past their due time",
    "keyflow_instances": "Process instances by status",
    "keyflow_incidents_open": "Instances stopped on an error",
    "keyflow_outbox_pending": "Mails waiting to be sent",
    "keyflow_outbox_oldest_pending_seconds": "Age of the oldest mail waiting (0 when none waits)",
    "keyflow_mail_sent": "Mails sent (outbox rows sent; rows are never deleted)",
    "keyflow_mail_failed": "Mails failed for good (outbox rows failed, including reminders "
                           "that could not be written)",
    "keyflow_tick_seconds": "Duration of the workers' tick task runs",
    "keyflow_tick_failed_runs": "Tick task runs that ended in an error",
    "keyflow_tick_last_run_timestamp_seconds": "When a tick task last finished (Unix time)",
}


def families(snap: WorkSnapshot | None) -> Iterator[Metric]:
    """The metric families with the samples of `snap` (without samples when None)."""
    def gauge(name: str, *labels: str) -> GaugeMetricFamily:
        return GaugeMetricFamily(name, HELP[name], labels=list(labels))

    def counter(name: str, *labels: str) -> CounterMetricFamily:
        return CounterMetricFamily(name, HELP[name], labels=list(labels))

    tasks_open = gauge("keyflow_tasks_open", "role", "process")
    tasks_overdue = gauge("keyflow_tasks_overdue", "role", "process")
    instances = gauge("keyflow_instances", "process", "status")
    incidents = gauge("keyflow_incidents_open")
    pending = gauge("keyflow_outbox_pending")
    oldest = gauge("keyflow_outbox_oldest_pending_seconds")
    sent = counter("keyflow_mail_sent")
    failed = counter("keyflow_mail_failed")
    tick = SummaryMetricFamily("keyflow_tick_seconds", HELP["keyflow_tick_seconds"],
                               labels=["task"])
    tick_failed = counter("keyflow_tick_failed_runs", "task")
    tick_last = gauge("keyflow_tick_last_run_timestamp_seconds", "task")
    if snap is not None:
        for count in snap.tasks:
            tasks_open.add_metric([count.role, count.process], count.open)
            tasks_overdue.add_metric([count.role, count.process], count.overdue)
        for (process, status), n in sorted(snap.instances.items()):
            instances.add_metric([process, status], n)
        incidents.add_metric([], snap.incidents_open)
        pending.add_metric([], snap.outbox.get(NotificationStatus.PENDING, 0))
        oldest.add_metric([], snap.oldest_pending_seconds)
        sent.add_metric([], snap.outbox.get(NotificationStatus.SENT, 0))
        failed.add_metric([], snap.outbox.get(NotificationStatus.FAILED, 0))
        for t in snap.ticks:
            tick.add_metric([t.task], count_value=t.runs, sum_value=t.seconds_total)
            tick_failed.add_metric([t.task], t.failed_runs)
            if t.last_run_at is not None:
                tick_last.add_metric([t.task], t.last_run_at.timestamp())
    yield from (tasks_open, tasks_overdue, instances, incidents, pending, oldest, sent, failed,
                tick, tick_failed, tick_last)
