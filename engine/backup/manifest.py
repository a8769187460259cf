"""What a backup file holds, described by its `manifest.json`, and the names of its members.

A backup is one gzip'd tar file (0600): `manifest.json` first, then the database
(`database.sqlite3`, a SQLite copy, or `database.pgdump`, pg_dump's custom format), the
generated secret key when there is one (`secret_key`), and the stored files under
`var/<folder>/` for each folder of VAR_FOLDERS that exists.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from engine.errors import BackupRefused

FORMAT = 1
MANIFEST = "manifest.json"
SECRET_KEY = "secret_key"
DATABASE_MEMBERS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
# Folders under the var folder whose files a backup carries (stored attachments, once keyflow
# keeps them there). A new kind of stored file is one more name here.
VAR_FOLDERS: tuple[str, ...] = ("attachments",)
# Where the secret key came from: var/secret_key (in the backup), KEYFLOW_SECRET_KEY (kept by
# the operator, not in the backup), or nowhere yet (no web process has started).
SECRET_KEY_SOURCES = ("included", "environment", "none")


def keyflow_version() -> str:
    """The installed keyflow package's version."""
    try:
        return version("keyflow")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "unknown"


@dataclass(frozen=True)
class Manifest:
    """Where a backup came from: keyflow and schema versions, database kind, when, what."""

    keyflow_version: str
    alembic_revision: str | None
    database: str
    created_at: str
    secret_key: str
    folders: list[str] = field(default_factory=list)
    pg_dump_major: int | None = None  # the pg_dump that wrote database.pgdump
    format: int = FORMAT

    @property
    def database_member(self) -> str:
        """The archive member holding the database."""
        return DATABASE_MEMBERS[self.database]

    def to_json(self) -> bytes:
        """The manifest file's content."""
        return json.dumps(asdict(self), indent=2, sort_keys=True).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> Manifest:
        """Read a manifest; BackupRefused if it is not one this keyflow can restore."""
        try:
            data: Any = json.loads(raw)
            manifest = cls(**data)
        except (ValueError, TypeError) as err:
            raise BackupRefused(f"not a keyflow backup: unreadable {MANIFEST} ({err})") from None
        if manifest.format != FORMAT:
            raise BackupRefused(f"backup format {manifest.format} is not {FORMAT}; use the "
                                "keyflow version that wrote it")
        if manifest.database not in DATABASE_MEMBERS:
            raise BackupRefused(f"unknown database kind {manifest.database!r} in the backup")
        if manifest.secret_key not in SECRET_KEY_SOURCES:
            raise BackupRefused(f"unknown secret key source {manifest.secret_key!r}")
        return manifest
