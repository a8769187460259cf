"""gunicorn's configuration for keyflow (department mode):

    gunicorn -c python:webui.gunicorn_config --workers 4 --bind 0.0.0.0:5000 'webui:create_app()'

- Metrics of several workers: prometheus-client's multiprocess mode. `PROMETHEUS_MULTIPROC_DIR`
  is set here, before any worker imports prometheus-client: the operator's folder if the
  variable is set, else a fresh temporary folder removed when the server stops. The folder
  is emptied when the server starts (counts of an earlier run would otherwise be added),
  and a dead worker's gauges are dropped. Counters and histograms of dead workers stay in
  the sums, as Prometheus expects of counters.
- Logs: gunicorn's own lines and keyflow's go to standard error, one line each, JSON in
  department mode (KEYFLOW_LOG_FORMAT), at KEYFLOW_LOG_LEVEL.
- `KEYFLOW_METRICS_BIND`: the separate metrics listener runs in the master.
- Each worker, once it holds the app, sets what it holds aside from the garbage collector's
  full collections (gc.freeze), as `keyflow serve` does (webui.cli.settle_garbage_collector).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from engine.settings import Settings

MULTIPROC_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"

settings = Settings.from_env()
_temporary_dir: str | None = None
if not os.environ.get(MULTIPROC_VARIABLE):
    _temporary_dir = tempfile.mkdtemp(prefix="keyflow-metrics-")
    os.environ[MULTIPROC_VARIABLE] = _temporary_dir

_FORMATTER = ("engine.observability.logs.JsonFormatter" if settings.logs_as_json
              else "engine.observability.logs.TextFormatter")
logconfig_dict: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"keyflow": {"()": _FORMATTER}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "keyflow",
                            "stream": "ext://sys.stderr"}},
    "root": {"level": settings.log_level, "handlers": ["stderr"]},
    "loggers": {
        "gunicorn.error": {"level": settings.log_level, "handlers": [], "propagate": True},
        "gunicorn.access": {"level": "INFO", "handlers": [], "propagate": True},
    },
}


def empty_folder(folder: str) -> None:
    """Remove the files of an earlier run from the multiprocess folder (created if missing)."""
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    for entry in path.iterdir():
        if entry.is_file() and entry.suffix == ".db":
            entry.unlink()


def on_starting(server: Any) -> None:
    """The master, before any worker exists: start from an empty multiprocess folder."""
    empty_folder(os.environ[MULTIPROC_VARIABLE])


def when_ready(server: Any) -> None:
    """The master is listening: start the separate metrics listener if one is configured."""
    if settings.metrics_address is None:
        return
    from sqlalchemy.pool import NullPool

    from engine.clock import SystemClock
    from engine.db import make_db_engine, make_session_factory

    from .metrics_listener import start_metrics_listener
    from .observability.http_metrics import all_processes_registry
    from .observability.work_collector import WorkCollector

    # NullPool: the master holds no connection between scrapes, so none leaks into a fork.
    sessions = make_session_factory(make_db_engine(settings.database_url, poolclass=NullPool))
    start_metrics_listener(settings.metrics_address,
                           all_processes_registry(WorkCollector(sessions, SystemClock())))


def post_worker_init(worker: Any) -> None:
    """A worker has loaded the app: its modules, app and mappers live as long as it does, so
    full collections no longer walk them on the requests' time."""
    from .cli import settle_garbage_collector

    settle_garbage_collector()


def child_exit(server: Any, worker: Any) -> None:
    """A worker ended: its live gauges no longer count (its counters still do)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server: Any) -> None:
    """The server stops: remove the temporary multiprocess folder keyflow made."""
    if _temporary_dir is not None:
        shutil.rmtree(_temporary_dir, ignore_errors=True)
