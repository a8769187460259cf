"""keyflow's web UI: the Flask application factory; one blueprint package per area."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask

from engine.clock import SystemClock
from engine.db import make_db_engine, make_session_factory
from engine.secret_key import load_or_create_secret_key
from engine.settings import Settings
from engine.workflow_engine import WorkflowEngine


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then KEYFLOW_* variables, then the test overrides."""
    app = Flask(__name__)
    settings = Settings.from_env()
    app.config.from_mapping(
        DATABASE_URL=settings.database_url,
        SECRET_KEY=settings.secret_key,
        VAR_DIR=settings.var_dir,
        TIMEZONE=settings.timezone,
        # A bundle may be 20 MB (engine.deployment.bundle); everything else is far smaller.
        MAX_CONTENT_LENGTH=21 * 1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        LOGIN_MAX_FAILURES=5,
        LOGIN_WINDOW_SECONDS=300,
        NODE_MODULES=str(Path(app.root_path).parent / "node_modules"),
        JSON_SORT_KEYS=False,
    )
    app.config.from_prefixed_env("KEYFLOW")
    if test_config:
        app.config.update(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = load_or_create_secret_key(app.config["VAR_DIR"])

    db_engine = make_db_engine(app.config["DATABASE_URL"])
    app.extensions["keyflow.db_engine"] = db_engine
    app.extensions["keyflow.sessions"] = make_session_factory(db_engine)
    app.extensions["keyflow.engine"] = WorkflowEngine(
        clock=app.config.get("CLOCK") or SystemClock(),
        script_time_limit=settings.script_time_limit,
    )

    from .auth.ratelimit import LoginRateLimiter

    app.extensions["keyflow.login_limiter"] = LoginRateLimiter(
        int(app.config["LOGIN_MAX_FAILURES"]), float(app.config["LOGIN_WINDOW_SECONDS"]))

    from . import (
        admin,
        api,
        assets,
        auth,
        context,
        customer_link,
        customers,
        display,
        editor,
        errors,
        headers,
        i18n,
        inbox,
        incidents,
        instances,
        kpis,
        library,
        log_redaction,
        mail,
        navigation,
        processes,
        request_input,
        tasks,
    )
    from .auth import csrf

    request_input.init_app(app)
    log_redaction.init_app(app)
    context.init_app(app)
    i18n.init_app(app)
    display.init_app(app)
    headers.init_app(app)
    csrf.init_app(app)
    navigation.init_app(app)
    for blueprint in (errors.bp, auth.bp, inbox.bp, tasks.bp, processes.bp, instances.bp,
                      admin.bp, assets.bp, library.bp, editor.bp, customers.bp, mail.bp,
                      customer_link.bp, kpis.bp, incidents.bp):
        app.register_blueprint(blueprint)
    app.register_blueprint(api.bp, url_prefix="/api")
    return app
