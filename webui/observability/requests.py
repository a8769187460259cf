"""Per request: an id, bound while it runs and echoed back; one log line; the HTTP metrics.

The line (logger `keyflow.request`) holds the request id, method, route (the URL rule), the
path with any customer link token cut out, status, duration in milliseconds, the user's id
and how they authenticated when the request looked them up, and the instance and task ids
its URL names. Never the query string, a header or a body. A response the error handlers
could not produce (an exception escaping them) is logged at teardown as a 500.

Every request pays for these hooks, so they are made once per app (the app's metrics bound
in, no `current_app` lookup), read `g` and the request through one proxy lookup each, and
hand the line's record straight to the logger's handlers (`Logger.handle`): what
`Logger.log` would do, without walking the stack for a caller that is always `_account`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, g, request

from engine.observability.redaction import redact_link_tokens
from engine.observability.request_ids import bind_request_id, sane_request_id, unbind_request_id

from .http_metrics import HttpMetrics

log = logging.getLogger("keyflow.request")
HEADER = "X-Request-ID"
ENVIRON_KEY = "HTTP_X_REQUEST_ID"  # the header as WSGI passes it
LINK_MARK = "/c/"  # every customer link path holds it; other paths need no redaction
ID_ARGS = ("instance_id", "task_id")  # URL ids worth a field; never the link's token
MESSAGE = "%s %s %s"


def start_request() -> None:
    """Runs before every other hook: the clock starts, the id is chosen and bound."""
    data = g._get_current_object()  # one proxy lookup instead of one per attribute
    data.request_started = time.perf_counter()
    data.request_id = request_id = sane_request_id(request.environ.get(ENVIRON_KEY))
    data.request_id_token = bind_request_id(request_id)


def request_hooks(metrics: HttpMetrics) -> tuple[Callable[[Response], Response],
                                                 Callable[[BaseException | None], None]]:
    """The after-request and teardown hooks of an app whose requests `metrics` counts."""

    def finish_request(response: Response) -> Response:
        """Runs after every other hook: echo the id, count the request, write its line."""
        data = g._get_current_object()
        request_id = data.__dict__.get("request_id")
        if request_id is not None:
            response.headers[HEADER] = request_id
            _account(data, response.status_code, metrics)
        return response

    def end_request(_exc: BaseException | None) -> None:
        """Teardown: log a request whose exception escaped every handler; unbind the id."""
        data = g._get_current_object()
        attributes = data.__dict__
        if attributes.get("request_id") is None:
            return
        if not attributes.get("request_accounted", False):
            _account(data, 500, metrics)
        unbind_request_id(attributes.pop("request_id_token"))

    return finish_request, end_request


def _account(data: Any, status: int, metrics: HttpMetrics) -> None:
    """Count the request and write its line; `data` is the request's `g`. Each request
    pays this, so it reads the request once and builds the line only when it is written."""
    data.request_accounted = True
    seconds = time.perf_counter() - data.request_started
    req = request._get_current_object()
    url_rule = req.url_rule
    rule = url_rule.rule if url_rule is not None else None
    method = req.method
    metrics.observe(rule, method, status, seconds)
    level = logging.WARNING if status >= 500 else logging.INFO
    if not log.isEnabledFor(level):
        return
    path = req.path
    if LINK_MARK in path:
        path = redact_link_tokens(path)
    fields: dict[str, Any] = {
        "request_id": data.request_id, "method": method, "route": rule or "unmatched",
        "path": path, "status": status, "duration_ms": round(seconds * 1000, 2)}
    attributes = data.__dict__
    user = attributes.get("current_user")
    if user is not None:
        fields["user_id"] = user.id
        auth = attributes.get("auth_method")
        if auth:
            fields["auth"] = auth
    view_args = req.view_args
    if view_args:
        for name in ID_ARGS:
            value = view_args.get(name)
            if isinstance(value, int):
                fields[name] = value
    log.handle(log.makeRecord(log.name, level, __file__, _LINE, MESSAGE,
                              (method, path, status), None, "_account", fields))


_LINE = _account.__code__.co_firstlineno  # the record's caller: `_account`, always


def observe_requests(app: Flask) -> None:
    """Register the hooks; call before any other `before_request` (its clock starts first)
    and before any other `after_request` (which then runs last, seeing the final response)."""
    finish_request, end_request = request_hooks(app.extensions["keyflow.http_metrics"])
    app.before_request(start_request)
    app.after_request(finish_request)
    app.teardown_request(end_request)
