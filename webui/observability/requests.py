"""Per request: an id, bound while it runs and echoed back; one log line; the HTTP metrics.

The line (logger `keyflow.request`) holds the request id, method, route (the URL rule), the
path with any customer link token cut out, status, duration in milliseconds, the user's id
and how they authenticated when the request looked them up, and the instance and task ids
its URL names. Never the query string, a header or a body. A response the error handlers
could not produce (an exception escaping them) is logged at teardown as a 500.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from flask import Flask, Response, current_app, g, request

from engine.observability.redaction import redact_link_tokens
from engine.observability.request_ids import bind_request_id, sane_request_id, unbind_request_id

from .http_metrics import HttpMetrics

log = logging.getLogger("keyflow.request")
HEADER = "X-Request-ID"
ID_ARGS = ("instance_id", "task_id")  # URL ids worth a field; never the link's token


def start_request() -> None:
    """Runs before every other hook: the clock starts, the id is chosen and bound."""
    g.request_started = time.perf_counter()
    g.request_id = sane_request_id(request.headers.get(HEADER))
    g.request_id_token = bind_request_id(g.request_id)


def finish_request(response: Response) -> Response:
    """Runs after every other hook: echo the id, count the request, write its line."""
    if "request_id" in g:
        response.headers[HEADER] = g.request_id
        _account(response.status_code)
    return response


def end_request(exc: BaseException | None) -> None:
    """Teardown: log a request whose exception escaped every handler; unbind the id."""
    if "request_id" not in g:
        return
    if not g.get("request_accounted"):
        _account(500)
    unbind_request_id(g.pop("request_id_token"))


def _account(status: int) -> None:
    g.request_accounted = True
    seconds = time.perf_counter() - g.request_started
    rule = request.url_rule.rule if request.url_rule is not None else None
    metrics: HttpMetrics = current_app.extensions["keyflow.http_metrics"]
    metrics.observe(rule, request.method, status, seconds)
    fields: dict[str, Any] = {
        "request_id": g.request_id, "method": request.method, "route": rule or "unmatched",
        "path": redact_link_tokens(request.path), "status": status,
        "duration_ms": round(seconds * 1000, 2)}
    user = g.get("current_user")
    if user is not None:
        fields["user_id"] = user.id
    if g.get("auth_method") and user is not None:
        fields["auth"] = g.auth_method
    for name in ID_ARGS:
        value = (request.view_args or {}).get(name)
        if isinstance(value, int):
            fields[name] = value
    level = logging.WARNING if status >= 500 else logging.INFO
    log.log(level, "%s %s %s", request.method, fields["path"], status, extra=fields)


def observe_requests(app: Flask) -> None:
    """Register the hooks; call before any other `before_request` (its clock starts first)
    and before any other `after_request` (which then runs last, seeing the final response)."""
    app.before_request(start_request)
    app.after_request(finish_request)
    app.teardown_request(end_request)
