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

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Build settings from KEYFLOW_<FIELD> variables, falling back to the defaults."""
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = env.get(PREFIX + f.name.upper())
            if raw is None or raw == "":
                continue
            values[f.name] = float(raw) if f.name == "script_time_limit" else raw
        return cls(**values)  # type: ignore[arg-type]

    @property
    def mail_dir(self) -> Path:
        """Where mail goes when no SMTP server is configured."""
        return Path(self.var_dir) / "mail"
