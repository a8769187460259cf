"""keyflow's web UI: the Flask application factory (pages and JSON API arrive per area)."""

from __future__ import annotations

from typing import Any

from flask import Flask

from engine.clock import SystemClock
from engine.db import make_db_engine, make_session_factory
from engine.settings import Settings
from engine.workflow_engine import WorkflowEngine


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then KEYFLOW_* variables, then the test overrides."""
    app = Flask(__name__)
    settings = Settings.from_env()
    app.config.from_mapping(DATABASE_URL=settings.database_url, SECRET_KEY=settings.secret_key)
    app.config.from_prefixed_env("KEYFLOW")
    if test_config:
        app.config.update(test_config)

    db_engine = make_db_engine(app.config["DATABASE_URL"])
    app.extensions["keyflow.sessions"] = make_session_factory(db_engine)
    app.extensions["keyflow.engine"] = WorkflowEngine(
        clock=app.config.get("CLOCK") or SystemClock(),
        script_time_limit=settings.script_time_limit,
    )

    from . import context, home

    context.init_app(app)

    app.register_blueprint(home.bp)
    return app
