"""keyflow's web UI: the Flask application factory; one blueprint package per area."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from engine.clock import SystemClock
from engine.db import make_db_engine, make_session_factory
from engine.secret_key import load_or_create_secret_key
from engine.settings import Settings
from engine.workflow_engine import WorkflowEngine

from .application import KeyflowFlask
from .config import CODE_DEFAULTS, from_settings, request_limit, with_overrides


def create_app(test_config: dict[str, Any] | None = None,
               settings: Settings | None = None) -> Flask:
    """Build the app: code defaults, then the settings (read from the KEYFLOW_* variables
    unless the caller read them already), then the test overrides."""
    app = KeyflowFlask(__name__)
    settings = settings or Settings.from_env()
    app.config.from_mapping(CODE_DEFAULTS)
    app.config["NODE_MODULES"] = str(Path(app.root_path).parent / "node_modules")
    app.config.from_mapping(from_settings(settings))
    app.extensions["keyflow.settings"] = with_overrides(settings, test_config or {})
    app.config["MAX_CONTENT_LENGTH"] = request_limit(app.extensions["keyflow.settings"])
    if test_config:
        app.config.update(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = load_or_create_secret_key(app.config["VAR_DIR"])

    db_engine = make_db_engine(app.config["DATABASE_URL"])
    app.extensions["keyflow.db_engine"] = db_engine
    app.extensions["keyflow.sessions"] = make_session_factory(db_engine)
    read_sessions = make_session_factory(db_engine, reads_only=True)
    app.extensions["keyflow.read_sessions"] = read_sessions
    # The API's read calls read on its engine without a Session (webui.context.reads).
    app.extensions["keyflow.read_engine"] = read_sessions.kw["bind"]
    app.extensions["keyflow.engine"] = WorkflowEngine(
        clock=app.config.get("CLOCK") or SystemClock(),
        script_time_limit=float(app.config["SCRIPT_TIME_LIMIT"]),
    )

    from engine.accounts import TokenCache

    from .auth.ratelimit import LoginRateLimiter

    app.extensions["keyflow.token_cache"] = TokenCache(float(app.config["TOKEN_CACHE_SECONDS"]))

    app.extensions["keyflow.login_limiter"] = LoginRateLimiter(
        int(app.config["LOGIN_MAX_FAILURES"]), float(app.config["LOGIN_WINDOW_SECONDS"]))

    from . import (
        admin,
        api,
        assets,
        auth,
        chat_hooks,
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
        lists,
        log_redaction,
        mail,
        navigation,
        observability,
        processes,
        request_input,
        substitutes,
        tasks,
    )
    from .auth import csrf
    from .auth.cookie_sessions import CookieSessions

    app.session_interface = CookieSessions()

    observability.init_app(app)  # first: its hooks time and log everything after them
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
                      customer_link.bp, kpis.bp, incidents.bp, lists.bp, substitutes.bp,
                      chat_hooks.bp):
        app.register_blueprint(blueprint)
    app.register_blueprint(api.bp, url_prefix="/api")
    return app
