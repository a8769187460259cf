"""Per-request access to the database session and the engine (one transaction per request)."""

from __future__ import annotations

import logging
from datetime import datetime

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy.orm import Session

from engine.accounts import record_token_use
from engine.clock import bind_clock
from engine.db import Reading, end_session
from engine.queries.task_records import Reads
from engine.workflow_engine import WorkflowEngine

log = logging.getLogger(__name__)
READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def db() -> Session:
    """The request's session; the view commits, teardown rolls back whatever was not.

    A GET (HEAD, OPTIONS) only reads: its session never takes SQLite's write lock
    (engine.db.READS_ONLY). Every other method may run a command and takes it up front.
    """
    data = g._get_current_object()  # one proxy lookup: views and auth call this often
    session: Session | None = data.__dict__.get("db_session")
    if session is None:
        reads = has_request_context() and request.method in READING_METHODS
        factory = "keyflow.read_sessions" if reads else "keyflow.sessions"
        extensions = current_app._get_current_object().extensions
        session = data.db_session = extensions[factory]()
        # Access checks that depend on the date (substitutes) read the engine's clock.
        bind_clock(session, extensions["keyflow.engine"].clock)
    return session


def reads() -> Reads:
    """What a read call reads with (engine.queries: inbox, task_view, instance_status).

    In a reading request, a Reading: a bare connection in a deferred transaction, and an
    ORM Session on it only if a check asks for one (engine.db.Reading), closed at teardown.
    When the request already has its session (a signed-in page, a token not yet cached,
    any other method), that session: one connection, one snapshot per request.
    """
    data = g._get_current_object()
    attributes = data.__dict__
    source: Reads | None = attributes.get("db_session") or attributes.get("reading")
    if source is not None:
        return source
    if not (has_request_context() and request.method in READING_METHODS):
        return db()
    extensions = current_app._get_current_object().extensions
    reading = data.reading = Reading(extensions["keyflow.read_engine"])
    bind_clock(reading, extensions["keyflow.engine"].clock)
    return reading


def workflow_engine() -> WorkflowEngine:
    """The app's WorkflowEngine (its clock is replaceable in tests via config CLOCK)."""
    engine: WorkflowEngine = current_app.extensions["keyflow.engine"]
    return engine


def _record_token_use(use: tuple[int, datetime] | None) -> None:
    """Note the bearer token's use (webui.auth.identity decided it was due) in a short
    transaction of its own, after the request's: requests sharing a token never wait for
    each other on its row, and a read stays a read. A failure here is logged, not shown."""
    if use is None:
        return
    token_id, now = use
    try:
        with current_app.extensions["keyflow.sessions"]() as session:
            record_token_use(session, token_id, now)
            session.commit()
    except Exception:
        log.warning("could not record the use of API token %s", token_id, exc_info=True)


def init_app(app: Flask) -> None:
    """Close (and roll back) the request's session when the request ends."""

    @app.teardown_appcontext
    def _close_session(_exc: BaseException | None) -> None:
        attributes = g._get_current_object().__dict__  # one proxy lookup for both
        session = attributes.pop("db_session", None)
        reading = attributes.pop("reading", None)
        try:
            if session is not None:
                end_session(session)
        finally:
            if reading is not None:
                reading.close()
        _record_token_use(attributes.pop("token_use_due", None))
