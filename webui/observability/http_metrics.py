"""HTTP counters, and the registry a scrape reads: this process's, or every gunicorn worker's.

One process (`keyflow serve`, a test app): the counters live in the app's own registry,
beside the work gauges. Several gunicorn workers: prometheus-client's multiprocess mode,
switched on by `PROMETHEUS_MULTIPROC_DIR` being set before prometheus-client is imported
(webui/gunicorn_config.py sets it, empties it when the server starts and drops a dead
worker's files): each worker writes its counts into files there, and a scrape answered by
any worker — or by the separate metrics listener in the gunicorn master — adds up all files.

Labels are the URL rule (`/api/tasks/<int:task_id>`), never the path: no ids, no link
tokens, and a bounded number of series; a path no rule matches counts as `unmatched`.
"""

from __future__ import annotations

import os
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

LABELS = ("route", "method", "status")
UNMATCHED = "unmatched"
MULTIPROC_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
# No `_created` series beside every counter: they double the series and no panel uses them.
disable_created_metrics()


def multiprocess_dir() -> str | None:
    """The multiprocess folder when this process runs in prometheus-client's multiprocess mode."""
    return os.environ.get(MULTIPROC_VARIABLE) or None


class HttpMetrics:
    """The request counter and duration histogram of one app, and what a scrape reads."""

    def __init__(self, work: Collector) -> None:
        self.work = work
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "keyflow_http_requests", "HTTP requests answered, by URL rule, method and status",
            LABELS, registry=self.registry)
        self.seconds = Histogram(
            "keyflow_http_request_seconds",
            "Time from the request's first hook to its response, by URL rule, method and status",
            LABELS, registry=self.registry)
        self.registry.register(work)
        # The counter's and histogram's children per (route, method, status), looked up
        # once: `labels()` checks and joins the labels on every call. As bounded as the series.
        self._children: dict[tuple[str | None, str, int], tuple[Any, Any]] = {}

    def observe(self, route: str | None, method: str, status: int, seconds: float) -> None:
        """Count one answered request."""
        key = (route, method, status)
        children = self._children.get(key)
        if children is None:
            labels = (route or UNMATCHED, method, str(status))
            children = self._children.setdefault(
                key, (self.requests.labels(*labels), self.seconds.labels(*labels)))
        children[0].inc()
        children[1].observe(seconds)

    def scrape_registry(self) -> CollectorRegistry:
        """What a scrape shows: the HTTP metrics (every worker's in multiprocess mode) and the
        work gauges."""
        if multiprocess_dir() is None:
            return self.registry
        return all_processes_registry(self.work)


def all_processes_registry(work: Collector) -> CollectorRegistry:
    """The multiprocess folder's HTTP metrics (all workers, live and dead) and `work`."""
    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    registry.register(work)
    return registry
