"""CSRF protection: a per-session secret in a hidden field or the `X-CSRF-Token` header.

Cookie-authenticated writes must echo the session's token; bearer-token requests carry no
cookie a third-party page could borrow, so they need none.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, current_app, request, session
from werkzeug.exceptions import BadRequest

from .identity import authenticated_by_token

F = TypeVar("F", bound=Callable[..., Any])
SESSION_KEY = "csrf"
FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class CsrfFailure(BadRequest):
    """The form or fetch call did not carry this session's CSRF token."""

    description = "csrf"


def csrf_token() -> str:
    """This session's CSRF token (made on first use)."""
    token = session.get(SESSION_KEY)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session[SESSION_KEY] = token
    return token


def csrf_exempt(view: F) -> F:
    """Mark a view whose writes are authorised otherwise (e.g. a signed one-time link)."""
    view.csrf_exempt = True  # type: ignore[attr-defined]
    return view


def check_csrf() -> None:
    """Refuse a cookie-authenticated write without the session's token (400)."""
    req = request._get_current_object()  # one proxy lookup for the whole check
    if req.method in SAFE_METHODS:
        return
    app = current_app._get_current_object()
    if not app.config.get("CSRF_ENABLED", True):
        return
    view = app.view_functions.get(req.endpoint or "")
    if view is None or getattr(view, "csrf_exempt", False):
        return
    if authenticated_by_token():
        return
    expected = session.get(SESSION_KEY)
    sent = req.headers.get(HEADER) or req.form.get(FIELD) or ""
    if not isinstance(expected, str) or not hmac.compare_digest(expected, sent):
        raise CsrfFailure()


def init_app(app: Flask) -> None:
    """Check every write and offer `csrf_token()` to templates."""
    app.before_request(check_csrf)
    app.jinja_env.globals["csrf_token"] = csrf_token
