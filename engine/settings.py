"""One typed settings object for web, workers and the command line, read from KEYFLOW_* variables.

`Settings.from_env()` is the only code that reads keyflow's configuration from the environment:
`create_app`, the `keyflow` command and the Celery app call it (directly or through
`current_settings()`) once when their process starts. A value keyflow cannot use stops that
start with `SettingsInvalid` naming the variable; a KEYFLOW_* name that is no setting (a typo)
is logged as a warning. Security defaults (CSRF, cookie flags, sign-in limits, request size)
are deliberately not settings: they are constants of the web app (webui/config.py), so no
environment can weaken them; only switches that strengthen one (session_cookie_secure) are here.

`Settings(...)` builds an object from its arguments and the defaults alone (tests, tools); it
never looks at the environment.
"""

from __future__ import annotations

import difflib
import logging
import os
import re
import threading
from collections.abc import Mapping
from datetime import time
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from engine.addresses import AddressInvalid, sender_address

PREFIX = "KEYFLOW_"
# Read by the test suite and the benchmarks, never by keyflow itself (DEVELOPERS.md):
# KEYFLOW_TEST_DATABASE_URL, KEYFLOW_TEST_REDIS_URL, KEYFLOW_BENCH_SHARED, KEYFLOW_BENCH_URLS.
TOOL_PREFIXES = ("KEYFLOW_TEST_", "KEYFLOW_BENCH_")
# Their values may carry a password: an error names the variable, never echoes the value.
SECRET_FIELDS = frozenset({"database_url", "broker_url", "smtp_url", "secret_key"})

log = logging.getLogger(__name__)

Positive = Annotated[float, Field(gt=0, allow_inf_nan=False)]
AtLeastOne = Annotated[int, Field(ge=1)]


class SettingsInvalid(ValueError):
    """Some KEYFLOW_* variables hold values keyflow cannot use; `problems` maps name → reason."""

    def __init__(self, problems: dict[str, str]) -> None:
        self.problems = problems
        super().__init__("invalid configuration: "
                         + "; ".join(f"{name}: {reason}" for name, reason in problems.items()))


class Settings(BaseModel):
    """Defaults are the embedded mode: SQLite, in-process worker, mail to a folder."""

    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True)

    database_url: str = "sqlite:///var/keyflow.db"
    broker_url: str | None = None
    smtp_url: str | None = None
    var_dir: str = "var"
    processes_dir: str = "processes"
    secret_key: str | None = Field(default=None, repr=False)
    script_time_limit: Positive = 2.0
    timezone: str = "Asia/Shanghai"
    # Strengthens a security default (cookies only over HTTPS), so it may come from outside.
    session_cookie_secure: bool = False
    # `keyflow serve`'s defaults for --host and --port (the Makefile's `make run` sets them).
    host: str = "127.0.0.1"
    port: int = Field(default=5000, ge=1, le=65535)
    # Workers: the tick's period, where links point, the sender, the digest, the relay.
    tick_seconds: Positive = 30.0
    base_url: str = "http://127.0.0.1:5000"
    mail_from: str = "keyflow <keyflow@localhost>"
    digest_at: str = "08:30"
    link_ttl_days: Positive = 7.0
    relay_batch: AtLeastOne = 200
    relay_max_attempts: AtLeastOne = 10
    # Work-chat robots (engine/chat): hosts besides qyapi.weixin.qq.com and oapi.dingtalk.com
    # that hooks may post to (comma-separated `host` or `host:port`; http allowed for these),
    # and how long one post may take.
    chat_hook_hosts: str = ""
    chat_timeout: Positive = 10.0
    # Indicators: how far below its target a figure is still amber rather than red (0.1: 10%).
    kpi_amber_margin: float = Field(default=0.1, ge=0, lt=1)
    # The company's name as customers read it on their page and in mail (zh, en; empty: none).
    company_name: str = Field(default="", max_length=120)
    company_name_en: str = Field(default="", max_length=120)
    # Retention (engine/retention): completed and cancelled instances ended more than this
    # many days ago lose their saved state (history, indicators and diagram path stay);
    # None ("off") keeps everything. Dropping state cannot be undone, so it is opt-in.
    retention_days: AtLeastOne | None = None
    # With retention: also blank the contact fields (forms' `x-keyflow-contact`) in them.
    retention_blank_contacts: bool = False
    # Attachments (engine/attachments): the largest file kept, in MB; the web's request limit
    # grows with it (webui/config.py).
    attachment_max_mb: int = Field(default=20, ge=1, le=1024)
    # Logs: `auto` is text when embedded (a terminal) and JSON lines in department mode.
    log_format: Literal["auto", "json", "text"] = "auto"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # A second listener (HOST:PORT) serving only /metrics, without a token: bind it to an
    # address only the monitoring network reaches. None: /metrics on the web port only.
    metrics_bind: str | None = None
    # Only for tests: a file holding an ISO time that every worker process reads as "now".
    clock_file: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read KEYFLOW_<FIELD> variables (empty = unset) over the defaults; raise
        SettingsInvalid naming each bad variable; log the KEYFLOW_* names that are no setting."""
        env = os.environ if environ is None else environ
        values = {name: env[variable(name)] for name in cls.model_fields
                  if env.get(variable(name))}
        try:
            settings = cls.model_validate(values)
        except ValidationError as err:
            raise SettingsInvalid(_problems(err, values)) from None
        unknown = unknown_variables(env)
        if unknown:
            log.warning("unknown KEYFLOW_* variables ignored: %s", "; ".join(
                _with_hint(name) for name in unknown))
        return settings

    @property
    def is_embedded(self) -> bool:
        """Whether the worker and beat run inside the web process (no broker configured)."""
        return not self.broker_url

    @property
    def logs_as_json(self) -> bool:
        """Whether log lines are JSON (`auto`: in department mode)."""
        return self.log_format == "json" or (self.log_format == "auto" and not self.is_embedded)

    @property
    def metrics_address(self) -> tuple[str, int] | None:
        """(host, port) of the separate metrics listener, if one is configured."""
        if self.metrics_bind is None:
            return None
        host, _, port = self.metrics_bind.rpartition(":")
        return host.strip("[]"), int(port)

    @property
    def attachment_max_bytes(self) -> int:
        """The largest attachment kept, in bytes."""
        return self.attachment_max_mb * 1024 * 1024

    @property
    def mail_dir(self) -> Path:
        """Where mail goes when no SMTP server is configured."""
        return Path(self.var_dir) / "mail"

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        try:
            make_url(value)
        except ArgumentError:
            raise ValueError("not a database URL such as sqlite:///var/keyflow.db") from None
        return value

    @field_validator("broker_url")
    @classmethod
    def _broker_url(cls, value: str | None) -> str | None:
        if value is not None and "://" not in value:
            raise ValueError("not a broker URL such as redis://host:6379/0")
        return value

    @field_validator("smtp_url")
    @classmethod
    def _smtp_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("smtp://", "smtps://")):
            raise ValueError("must start with smtp:// or smtps://")
        return value

    @field_validator("base_url")
    @classmethod
    def _base_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("var_dir", "processes_dir", "host")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value

    @field_validator("log_format", "log_level", mode="before")
    @classmethod
    def _any_case(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        return value.lower() if value.lower() in ("auto", "json", "text") else value.upper()

    @field_validator("metrics_bind")
    @classmethod
    def _metrics_bind(cls, value: str | None) -> str | None:
        if value is None:
            return value
        host, colon, port = value.rpartition(":")
        if not colon or not host.strip("[]") or not port.isdigit() \
                or not 1 <= int(port) <= 65535:
            raise ValueError("must be HOST:PORT, such as 127.0.0.1:9464")
        return value

    @field_validator("chat_hook_hosts")
    @classmethod
    def _chat_hook_hosts(cls, value: str) -> str:
        for entry in filter(None, (e.strip() for e in value.split(","))):
            host, colon, port = entry.rpartition(":") if ":" in entry else (entry, "", "")
            if not host or not re.fullmatch(r"[A-Za-z0-9.-]+", host) or (
                    colon and not (port.isdigit() and 1 <= int(port) <= 65535)):
                raise ValueError(f"{entry!r} is not a host or host:port such as "
                                 "hooks.example.com or 127.0.0.1:8080")
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("not a time zone name such as Asia/Shanghai") from None
        return value

    @field_validator("mail_from")
    @classmethod
    def _mail_from(cls, value: str) -> str:
        try:
            sender_address(value)
        except AddressInvalid as err:
            raise ValueError(f"not a sender such as keyflow <keyflow@example.com>: {err}") from None
        return value

    @field_validator("retention_days", mode="before")
    @classmethod
    def _retention_days(cls, value: Any) -> Any:
        if isinstance(value, str) and value.strip().lower() in ("off", "none"):
            return None
        return value

    @field_validator("digest_at")
    @classmethod
    def _digest_at(cls, value: str) -> str:
        if value.strip().lower() in ("", "off", "none"):
            return value
        try:
            time.fromisoformat(value)
        except ValueError:
            raise ValueError("must be a time of day such as 08:30, or off") from None
        return value


def variable(field_name: str) -> str:
    """The environment variable of a settings field."""
    return PREFIX + field_name.upper()


def known_variables() -> frozenset[str]:
    """Every KEYFLOW_* variable keyflow reads."""
    return frozenset(variable(name) for name in Settings.model_fields)


def unknown_variables(environ: Mapping[str, str]) -> list[str]:
    """KEYFLOW_* names in `environ` that are neither a setting nor a test or benchmark variable."""
    known = known_variables()
    return sorted(name for name in environ if name.startswith(PREFIX) and name not in known
                  and not name.startswith(TOOL_PREFIXES))


def _with_hint(name: str) -> str:
    close = difflib.get_close_matches(name, sorted(known_variables()), n=1, cutoff=0.8)
    return f"{name} (did you mean {close[0]}?)" if close else name


def _problems(err: ValidationError, values: Mapping[str, Any]) -> dict[str, str]:
    """Pydantic's errors, keyed by variable name, with the value unless it may be a secret."""
    problems: dict[str, str] = {}
    for error in err.errors():
        name = str(error["loc"][0]) if error["loc"] else ""
        reason = str(error["msg"]).removeprefix("Value error, ")
        if name in values and name not in SECRET_FIELDS:
            reason += f" (got {values[name]!r})"
        problems[variable(name) if name else PREFIX + "*"] = reason
    return problems


_lock = threading.Lock()
_current: Settings | None = None


def current_settings() -> Settings:
    """This process's settings: those an entry point installed, else read from the environment
    on first use and kept (a forked worker child inherits them)."""
    global _current
    with _lock:
        if _current is None:
            _current = Settings.from_env()
        return _current


def use_settings(settings: Settings | None) -> Settings | None:
    """Make `settings` this process's settings (an entry point that read them); None forgets
    them, so the next `current_settings()` reads the environment again."""
    global _current
    with _lock:
        _current = settings
    return settings
