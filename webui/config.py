"""The web app's configuration: security defaults as code constants, the rest from Settings.

`create_app` fills Flask's `app.config` in three steps: `CODE_DEFAULTS`, then
`from_settings(settings)` (engine.settings read the KEYFLOW_* variables), then a test's
overrides. No environment variable reaches a key of `CODE_DEFAULTS`: switching CSRF off,
loosening the cookies, the sign-in limit or the request size takes a code change (tests pass
`test_config`). The one security switch that only strengthens, SESSION_COOKIE_SECURE, is a
setting.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from flask import current_app

from engine.settings import Settings

CODE_DEFAULTS: dict[str, Any] = {
    "CSRF_ENABLED": True,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
    "LOGIN_MAX_FAILURES": 5,
    "LOGIN_WINDOW_SECONDS": 300,
    # A bundle may be 20 MB (engine.deployment.bundle); everything else is far smaller. An
    # attachment may be larger (KEYFLOW_ATTACHMENT_MAX_MB): request_limit() raises it.
    "MAX_CONTENT_LENGTH": 21 * 1024 * 1024,
    "JSON_SORT_KEYS": False,
}

# app.config key → the settings field it comes from.
FROM_SETTINGS = {
    "DATABASE_URL": "database_url",
    "SECRET_KEY": "secret_key",
    "VAR_DIR": "var_dir",
    "TIMEZONE": "timezone",
    "SCRIPT_TIME_LIMIT": "script_time_limit",
    "SMTP_URL": "smtp_url",
    "SESSION_COOKIE_SECURE": "session_cookie_secure",
    "ATTACHMENT_MAX_MB": "attachment_max_mb",
    "CHAT_HOOK_HOSTS": "chat_hook_hosts",
}
# Room for the multipart envelope and the form's other fields around an attachment.
UPLOAD_ENVELOPE = 1024 * 1024


def from_settings(settings: Settings) -> dict[str, Any]:
    """The app.config entries that come from the settings."""
    return {key: getattr(settings, field) for key, field in FROM_SETTINGS.items()}


def request_limit(settings: Settings) -> int:
    """MAX_CONTENT_LENGTH: the code's default, or the largest attachment and its envelope
    when that is more (an operator may raise the attachment limit, never lower the rest)."""
    return max(int(CODE_DEFAULTS["MAX_CONTENT_LENGTH"]),
               settings.attachment_max_bytes + UPLOAD_ENVELOPE)


def with_overrides(settings: Settings, test_config: Mapping[str, Any]) -> Settings:
    """`settings` as the app sees them after a test's overrides (the same object when none
    touches a setting, so web and embedded worker share one)."""
    update = {field: test_config[key] for key, field in FROM_SETTINGS.items()
              if key in test_config}
    return settings.model_copy(update=update) if update else settings


def app_settings() -> Settings:
    """The current app's settings (what `create_app` read, with a test's overrides)."""
    settings: Settings = current_app.extensions["keyflow.settings"]
    return settings
