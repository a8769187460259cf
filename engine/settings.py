"""One settings object for web and workers, read from KEYFLOW_* environment variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path

PREFIX = "KEYFLOW_"


@dataclass(frozen=True)
class Settings:
    """Defaults are the embedded mode: SQLite, in-process worker, mail to a folder."""

    database_url: str = "sqlite:///var/keyflow.db"
    broker_url: str | None = None
    smtp_url: str | None = None
    var_dir: str = "var"
    processes_dir: str = "processes"
    secret_key: str | None = None
    script_time_limit: float = 2.0
    timezone: str = "Asia/Shanghai"
    # Workers (issue 5): the tick's period, where links point, the sender, the test clock.
    tick_seconds: float = 30.0
    base_url: str = "http://127.0.0.1:5000"
    mail_from: str = "keyflow <keyflow@localhost>"
    digest_at: str = "08:30"
    link_ttl_days: float = 7.0
    relay_batch: int = 200
    relay_max_attempts: int = 10
    # Only for tests: a file holding an ISO time that every process reads as "now".
    clock_file: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Build settings from KEYFLOW_<FIELD> variables, falling back to the defaults."""
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = env.get(PREFIX + f.name.upper())
            if raw is None or raw == "":
                continue
            values[f.name] = _convert(str(f.type), raw)
        return cls(**values)  # type: ignore[arg-type]

    @property
    def is_embedded(self) -> bool:
        """Whether the worker and beat run inside the web process (no broker configured)."""
        return not self.broker_url

    @property
    def mail_dir(self) -> Path:
        """Where mail goes when no SMTP server is configured."""
        return Path(self.var_dir) / "mail"


def _convert(type_name: str, raw: str) -> object:
    """Environment text to the field's type (annotations are strings here)."""
    if type_name.startswith("float"):
        return float(raw)
    if type_name.startswith("int"):
        return int(raw)
    return raw
