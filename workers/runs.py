"""Each run of a worker task: its id bound, one log line when it ends, its time recorded.

The run's id is the Celery task id (a new one when the function is called directly). While
the run lasts it is the bound request id, so the audit events and outbox rows the run
writes carry it and every line the run logs names it. When the run ends, one line says how
it went (`task`, `run_id`, `status`, `duration_ms`, `result`), and its duration is added to
its task's totals in the database (`tick_stat`), which the web exports as
`keyflow_tick_seconds`: no scrape reaches a worker, and no worker port is needed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from celery import current_task

from engine.observability.request_ids import bound_request_id, new_request_id
from engine.observability.tick_stats import TickRun, record_tick_run

from .context import worker_context

log = logging.getLogger("keyflow.worker")
F = TypeVar("F", bound=Callable[..., Any])


def _run_id() -> str:
    request = getattr(current_task, "request", None)
    return str(getattr(request, "id", None) or new_request_id())


def observed_run(name: str) -> Callable[[F], F]:
    """Wrap a task's function: bind its run id, log its end, record its time as `name`."""

    def decorate(function: F) -> F:
        @wraps(function)
        def run(*args: Any, **kwargs: Any) -> Any:
            run_id = _run_id()
            started = time.perf_counter()
            failed, result = True, None
            with bound_request_id(run_id):
                try:
                    result = function(*args, **kwargs)
                    failed = False
                    return result
                finally:
                    seconds = time.perf_counter() - started
                    _finished(name, run_id, seconds, failed, result)

        return cast(F, run)

    return decorate


def _finished(name: str, run_id: str, seconds: float, failed: bool, result: Any) -> None:
    fields: dict[str, Any] = {"task": name, "run_id": run_id,
                              "status": "error" if failed else "ok",
                              "duration_ms": round(seconds * 1000, 2)}
    if isinstance(result, int):
        fields["result"] = result
    log.log(logging.ERROR if failed else logging.INFO, "%s %s in %.3fs", name,
            fields["status"], seconds, extra=fields)
    try:
        ctx = worker_context()
        with ctx.transaction() as session:
            record_tick_run(session, TickRun(name, seconds, failed, ctx.engine.clock.now()))
    except Exception as err:
        # The run's own work is committed; only its timing is lost (the database is away).
        log.warning("%s: run time not recorded: %s", name, err)
