"""Embedded mode: the beat schedule run by a thread of the web process, calling the same tasks.

No second code path: the thread runs each entry of the beat schedule (built from the same
settings as the web app) as the Celery task with `apply()` (in this process, no broker),
exactly the functions a worker runs.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from celery import Celery

from engine.settings import Settings

from .celery_app import app as celery_app
from .celery_app import beat_schedule
from .context import WorkerContext, use_context

log = logging.getLogger(__name__)


# Tasks that may run for minutes (a customer import of many thousand rows): in embedded mode
# they get a thread of their own, so timers, reminders and mail never wait behind them.
SLOW_TASKS = frozenset({"keyflow.imports"})


class EmbeddedBeat(threading.Thread):
    """Runs every beat entry in turn on its period until `stop()`; the entries of
    SLOW_TASKS run the same way on a second thread (`slow_lane`), started and stopped with
    this one."""

    def __init__(self, app: Celery, schedule: dict[str, dict[str, Any]] | None = None, *,
                 name: str = "keyflow-embedded-beat") -> None:
        super().__init__(name=name, daemon=True)
        self.app = app
        self.schedule = app.conf.beat_schedule if schedule is None else schedule
        slow = {n: e for n, e in self.schedule.items() if e["task"] in SLOW_TASKS}
        self.slow_lane = (EmbeddedBeat(app, slow, name=f"{name}-slow")
                          if slow and len(slow) < len(self.schedule) else None)
        self._own = ({n: e for n, e in self.schedule.items() if n not in slow}
                     if self.slow_lane is not None else self.schedule)
        self._stopped = threading.Event()

    def run(self) -> None:
        """Run the due entries, sleep until the next one is due, repeat."""
        import workers.import_tasks  # noqa: F401  (registers the tasks on the app)
        import workers.tasks  # noqa: F401

        if self.slow_lane is not None:
            self.slow_lane.start()
        schedule = self._own
        next_run = {name: 0.0 for name in schedule}
        while not self._stopped.is_set():
            for name, entry in schedule.items():
                if time.monotonic() < next_run[name]:
                    continue
                next_run[name] = time.monotonic() + float(entry["schedule"])
                result = self.app.tasks[entry["task"]].apply()
                if result.failed():
                    log.error("embedded %s failed: %s", name, result.result)
            self._stopped.wait(max(0.1, min(next_run.values()) - time.monotonic()))

    def stop(self) -> None:
        """Ask the loop (and the slow lane's) to end after the current task."""
        self._stopped.set()
        if self.slow_lane is not None:
            self.slow_lane.stop()

    def join(self, timeout: float | None = None) -> None:
        """Wait for this thread, then for the slow lane (each up to `timeout`)."""
        super().join(timeout)
        if self.slow_lane is not None and self.slow_lane.is_alive():
            self.slow_lane.join(timeout)

    def is_alive(self) -> bool:
        """Whether this thread or its slow lane still runs."""
        return super().is_alive() or (self.slow_lane is not None and self.slow_lane.is_alive())


def start_embedded_worker(settings: Settings) -> EmbeddedBeat:
    """`keyflow serve` without a broker: this process's worker context and a running beat
    thread, both on `settings` (the web app's own object)."""
    use_context(WorkerContext.build(settings))
    beat = EmbeddedBeat(celery_app, beat_schedule(settings.tick_seconds))
    beat.start()
    return beat
