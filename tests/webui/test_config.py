"""The app's configuration: code defaults, then the settings, then a test's overrides; no
environment variable weakens a security default."""

from __future__ import annotations

import logging
import shutil
from datetime import timedelta

import pytest
from webui_env import Client, Env, make_app

from engine.settings import Settings, SettingsInvalid
from webui import create_app
from webui.config import CODE_DEFAULTS

# What Flask's from_prefixed_env("KEYFLOW") used to turn into app.config entries.
WEAKENING = {
    "KEYFLOW_CSRF_ENABLED": "false",
    "KEYFLOW_SESSION_COOKIE_HTTPONLY": "false",
    "KEYFLOW_SESSION_COOKIE_SAMESITE": "None",
    "KEYFLOW_PERMANENT_SESSION_LIFETIME": "31536000",
    "KEYFLOW_LOGIN_MAX_FAILURES": "1000000",
    "KEYFLOW_LOGIN_WINDOW_SECONDS": "1",
    "KEYFLOW_MAX_CONTENT_LENGTH": "100000000000",
    "KEYFLOW_CUSTOMER_LINK_KEY": "a-key-the-attacker-knows",
    "KEYFLOW_DEBUG": "true",
}


@pytest.fixture
def app_from(prepared_db, tmp_path, clock, monkeypatch):
    """Build apps under the given KEYFLOW_* variables (as a deployment's environment)."""
    made = []

    def build(variables, **test_config):
        for name, value in variables.items():
            monkeypatch.setenv(name, value)
        path = tmp_path / f"keyflow{len(made)}.db"
        shutil.copy(prepared_db, path)
        made.append(make_app(f"sqlite:///{path}", clock, tmp_path / "var", **test_config))
        return made[-1]

    yield build
    for app in made:
        app.extensions["keyflow.db_engine"].dispose()


def test_no_variable_weakens_a_security_default(app_from, caplog):
    caplog.set_level(logging.WARNING, "engine.settings")
    app = app_from(WEAKENING)
    assert {key: app.config[key] for key in CODE_DEFAULTS} == CODE_DEFAULTS
    assert app.config["PERMANENT_SESSION_LIFETIME"] == timedelta(hours=12)
    assert "CUSTOMER_LINK_KEY" not in app.config and not app.debug
    [warning] = [r.getMessage() for r in caplog.records]
    assert all(name in warning for name in WEAKENING)
    # A real form post without the session's token is still refused.
    env = Env(app)
    _, task_id = env.to_head_review()
    client = Client(app, "dept_head")
    assert client.http.post(f"/tasks/{task_id}/claim", data={}).status_code == 400
    assert client.post(f"/tasks/{task_id}/claim").status_code == 302


def test_a_variable_that_strengthens_one_is_a_setting(app_from):
    app = app_from({"KEYFLOW_SESSION_COOKIE_SECURE": "true"})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    client = app.test_client()
    page = client.get("/login")
    assert "Secure" in page.headers["Set-Cookie"] and "HttpOnly" in page.headers["Set-Cookie"]


def test_tests_still_override_through_test_config(app_from):
    app = app_from({}, CSRF_ENABLED=False, TIMEZONE="Europe/Berlin")
    _, task_id = Env(app).to_head_review()
    assert Client(app, "dept_head").http.post(f"/tasks/{task_id}/claim").status_code == 302
    assert app.config["TIMEZONE"] == app.extensions["keyflow.settings"].timezone == (
        "Europe/Berlin")


def test_settings_fill_the_config_and_are_kept_as_one_object(tmp_path):
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'kf.db'}", var_dir=str(tmp_path),
                        timezone="Europe/Berlin", secret_key="department-secret",
                        smtp_url="smtp://mail:25")
    app = create_app(settings=settings)
    try:
        assert app.extensions["keyflow.settings"] is settings
        assert (app.config["TIMEZONE"], app.config["SECRET_KEY"], app.config["SMTP_URL"]) == (
            "Europe/Berlin", "department-secret", "smtp://mail:25")
    finally:
        app.extensions["keyflow.db_engine"].dispose()


def test_a_bad_value_stops_the_app_naming_the_variable(monkeypatch):
    monkeypatch.setenv("KEYFLOW_TIMEZONE", "Asia/Shanghia")
    with pytest.raises(SettingsInvalid, match="KEYFLOW_TIMEZONE: not a time zone name"):
        create_app()
