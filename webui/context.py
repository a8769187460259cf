"""Per-request access to the database session and the engine (one transaction per request)."""

from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy.orm import Session

from engine.clock import bind_clock
from engine.workflow_engine import WorkflowEngine


def db() -> Session:
    """The request's session; the view commits, teardown rolls back whatever was not."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["keyflow.sessions"]()
        # Access checks that depend on the date (substitutes) read the engine's clock.
        bind_clock(g.db_session, workflow_engine().clock)
    session: Session = g.db_session
    return session


def workflow_engine() -> WorkflowEngine:
    """The app's WorkflowEngine (its clock is replaceable in tests via config CLOCK)."""
    engine: WorkflowEngine = current_app.extensions["keyflow.engine"]
    return engine


def init_app(app: Flask) -> None:
    """Close (and roll back) the request's session when the request ends."""

    @app.teardown_appcontext
    def _close_session(_exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.rollback()
            session.close()
