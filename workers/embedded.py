"""Embedded mode: the beat schedule run by a thread of the web process, calling the same tasks.

No second code path: the thread reads `app.conf.beat_schedule` and runs each entry's Celery
task with `apply()` (in this process, no broker), exactly the functions a worker runs.
"""

from __future__ import annotations

import logging
import threading
import time

from celery import Celery

log = logging.getLogger(__name__)


class EmbeddedBeat(threading.Thread):
    """Runs every beat entry in turn on its period until `stop()`."""

    def __init__(self, app: Celery) -> None:
        super().__init__(name="keyflow-embedded-beat", daemon=True)
        self.app = app
        self._stopped = threading.Event()

    def run(self) -> None:
        """Run the due entries, sleep until the next one is due, repeat."""
        import workers.tasks  # noqa: F401  (registers the tasks on the app)

        schedule = self.app.conf.beat_schedule
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
        """Ask the loop to end after the current task."""
        self._stopped.set()
