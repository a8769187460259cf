"""Translate engine errors and HTTP errors to a status and a body in the user's language."""

from __future__ import annotations

import logging
from typing import Any

from flask import Response, g, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from engine.errors import (
    BundleTooLarge,
    Conflict,
    DeploymentInvalid,
    FileTooLarge,
    Forbidden,
    InvalidData,
    KeyflowError,
    MalformedRequest,
    NotFound,
)
from engine.workflow_engine import StateUnreadable

from ..attachment_files import UPLOAD_ENDPOINTS, too_large_message
from ..auth.csrf import CsrfFailure
from ..auth.identity import RoleMissing, Unauthenticated
from ..context import db, workflow_engine
from ..i18n import N_, _, problem_rows
from ..log_redaction import redact
from . import bp
from .negotiation import wants_json

log = logging.getLogger(__name__)

STATUS_OF: dict[type[KeyflowError], int] = {  # subclasses before their bases
    NotFound: 404, Forbidden: 403, Conflict: 409, InvalidData: 422, BundleTooLarge: 413,
    DeploymentInvalid: 422, MalformedRequest: 400, FileTooLarge: 413,
}
CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
         405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "unsupported",
         422: "invalid_data", 429: "too_many_requests", 500: "internal_error"}
HEADLINES = {
    400: N_("The request could not be understood."),
    401: N_("Please sign in."),
    403: N_("You may not do this."),
    404: N_("Not found, or not yours to see."),
    405: N_("This action is not available here."),
    409: N_("Someone else got there first."),
    413: N_("What you sent is too large."),
    415: N_("This kind of content is not accepted."),
    422: N_("Some of the data is not valid."),
    429: N_("Too many attempts. Please wait a moment and try again."),
    500: N_("Something went wrong on our side. Nothing was saved."),
}
EXPLANATIONS = {
    409: N_("Another person completed, claimed or changed this item while you were working "
            "on it. Nothing you entered was saved. Reload the page to see its current state."),
    404: N_("The item does not exist, or it belongs to a role you do not hold."),
    403: N_("Your roles do not allow this action."),
}


def _rollback() -> None:
    session = g.get("db_session")
    if session is not None:
        session.rollback()


def error_response(status: int, code: str, message: str, details: Any = None,
                   headers: dict[str, str] | None = None) -> Response:
    """The one shape of an error, as JSON or as a page."""
    _rollback()
    g.error_page = True
    headline = _(HEADLINES.get(status, HEADLINES[500]))
    explanation = _(EXPLANATIONS[status]) if status in EXPLANATIONS else ""
    if wants_json():
        text = headline if not message or message == headline else f"{headline} {message}"
        response = jsonify({"error": code, "message": text, "details": details})
    else:
        body = render_template("errors/error.html", status=status, code=code,
                               headline=headline, explanation=explanation,
                               message=message, details=details)
        response = Response(body, mimetype="text/html")
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


@bp.app_errorhandler(KeyflowError)
def engine_error(err: KeyflowError) -> Response:
    """NotFound 404, Forbidden 403, Conflict 409, InvalidData/DeploymentInvalid 422,
    BundleTooLarge and FileTooLarge 413, MalformedRequest 400."""
    status = next((s for cls, s in STATUS_OF.items() if isinstance(err, cls)), 400)
    details = problem_rows(err.problems) if isinstance(err, DeploymentInvalid) else err.details
    return error_response(status, err.code, err.message, details)


@bp.app_errorhandler(Unauthenticated)
def unauthenticated(_err: Unauthenticated) -> Response:
    """401 with a hint how to authenticate."""
    return error_response(401, "unauthorized", _("Send a session cookie or a bearer token."),
                          headers={"WWW-Authenticate": 'Bearer realm="keyflow"'})


@bp.app_errorhandler(RoleMissing)
def role_missing(_err: RoleMissing) -> Response:
    """403: signed in, but not in a role this page needs."""
    return error_response(403, "forbidden", "")


@bp.app_errorhandler(HTTPException)
def http_error(err: HTTPException) -> Response:
    """Werkzeug's errors (404 routes, 405, 413 size limit, 429 rate limit, bad JSON)."""
    status = err.code or 500
    if isinstance(err, CsrfFailure):
        return error_response(400, "csrf_failed",
                              _("The form has expired. Go back, reload the page and try again."))
    headers = {k: v for k, v in err.get_headers() if k.lower() == "retry-after"}
    if status == 413 and request.endpoint in UPLOAD_ENDPOINTS:
        # Larger than the request limit itself: the upload's limit in words, as for a file
        # that fits the request but not KEYFLOW_ATTACHMENT_MAX_MB.
        return error_response(413, FileTooLarge.code, too_large_message())
    return error_response(status, CODES.get(status, "error"), "", headers=headers)


@bp.app_errorhandler(StateUnreadable)
def state_unreadable(err: StateUnreadable) -> Response:
    """An instance whose saved state cannot be loaded: after the rollback, record that as the
    instance's error in a fresh transaction (it then shows among the incidents); answer 409:
    the command changed nothing and cannot run until the incident is handled."""
    log.error("instance %s: %s", err.instance_id, err)
    _rollback()
    session = db()
    try:
        workflow_engine().record_instance_failure(session, err.instance_id, err)
        session.commit()
    except Exception:
        log.exception("could not record the failure of instance %s", err.instance_id)
    return error_response(409, "instance_unreadable",
                          _("The saved state of this process instance cannot be loaded; "
                            "it is now marked as failed for an administrator."))


@bp.app_errorhandler(Exception)
def unexpected(err: Exception) -> Response:
    """A bug: log it with the request, tell the user in words, never show a traceback."""
    log.exception("unhandled error on %s %s", request.method, redact(request.path),
                  exc_info=err)
    return error_response(500, "internal_error", "")
