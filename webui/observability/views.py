"""`/healthz` (alive), `/readyz` (ready for traffic) and `/metrics` (an admin's bearer token).

`/healthz` touches nothing: a process that answers is alive, and restarting it would not
bring a database back. `/readyz` answers 200 only when every check passes, else 503 with
the checks that failed (their reasons go to the log, not to whoever asks): a load balancer
or docker-compose sends traffic only to a ready process.

`/metrics` answers an `Authorization: Bearer` token of a user holding the `admin` role:
401 without a valid token (a browser session does not count: scrapers hold tokens), 403
with another user's token. The separate listener (`KEYFLOW_METRICS_BIND`) answers without
a token: bind it to an address only the monitoring network reaches.
"""

from __future__ import annotations

import logging

from flask import Response, current_app
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from engine.observability.readiness import Check, check_database

from ..auth.identity import RoleMissing, Unauthenticated, bearer_secret, current_user
from ..config import app_settings
from ..context import db
from . import bp
from .broker import check_broker
from .http_metrics import HttpMetrics

log = logging.getLogger(__name__)


@bp.get("/healthz")
def healthz() -> dict[str, str]:
    """Liveness: the process answers (no database, no broker)."""
    return {"status": "ok"}


@bp.get("/readyz")
def readyz() -> tuple[dict[str, object], int]:
    """Readiness: the database answers and its schema is at the head; in department mode the
    broker answers too. 200 or 503, with each check's result."""
    settings = app_settings()
    checks: list[Check] = check_database(current_app.extensions["keyflow.db_engine"])
    if not settings.is_embedded and settings.broker_url:
        checks.append(check_broker(settings.broker_url))
    failed = [check for check in checks if not check.ok]
    for check in failed:
        log.warning("not ready: %s: %s", check.name, check.detail)
    body: dict[str, object] = {
        "status": "unavailable" if failed else "ok",
        "checks": {check.name: "ok" if check.ok else "failed" for check in checks}}
    return body, 503 if failed else 200


@bp.get("/metrics")
def metrics() -> Response:
    """Prometheus text: HTTP counters and the work gauges, for an admin's bearer token."""
    if bearer_secret() is None:
        raise Unauthenticated()
    user = current_user()
    if user is None:
        raise Unauthenticated()
    if "admin" not in user.role_names:
        raise RoleMissing()
    # End the request's transaction (it records the token's use) before the gauges read
    # the database in a session of their own: on SQLite it would hold the write lock.
    db().commit()
    http: HttpMetrics = current_app.extensions["keyflow.http_metrics"]
    return Response(generate_latest(http.scrape_registry()), mimetype=CONTENT_TYPE_LATEST)
