"""Operating keyflow: request ids, one log line per request, metrics, health and readiness.

- every request gets an id (a sane incoming `X-Request-ID`, else a new one), echoed in the
  response's `X-Request-ID`, bound while it runs (so the rows it writes carry it) and
  written with its route, status, duration and user in one log line (`requests.py`);
- `/metrics`: Prometheus text for an admin's bearer token (`views.py`): HTTP counters kept
  by this process (or by all gunicorn workers, in multiprocess mode: `http_metrics.py`),
  work gauges read from the database at scrape time (`work_collector.py`);
- `/healthz` (the process answers) and `/readyz` (database, schema at head, broker).
"""

from flask import Blueprint, Flask

bp = Blueprint("observability", __name__)

from . import views  # noqa: E402  (registers the routes on bp)
from .http_metrics import HttpMetrics  # noqa: E402
from .requests import observe_requests  # noqa: E402
from .work_collector import WorkCollector  # noqa: E402


def init_app(app: Flask) -> None:
    """Attach the request hooks (call before any other init_app: they run first and last)
    and this app's metrics, whose work gauges read the app's database on its clock."""
    work = WorkCollector(app.extensions["keyflow.read_sessions"],
                         app.extensions["keyflow.engine"].clock)
    app.extensions["keyflow.http_metrics"] = HttpMetrics(work)
    observe_requests(app)
    app.register_blueprint(bp)


__all__ = ["bp", "init_app", "views"]
