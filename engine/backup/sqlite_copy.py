"""Copying a SQLite database in and out with SQLite's online backup API.

`copy_out` copies every page in one step under one read transaction: the copy is the
database as of one moment, while the web and workers keep writing (in WAL mode a reader
never blocks a writer, nor is blocked by one). `copy_in` writes the pages of a copy over the
target database the same way, so no stale -wal file of the old database survives it.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from sqlalchemy.engine import make_url

from engine.db import make_db_engine
from engine.errors import BackupRefused

BUSY_TIMEOUT = 30.0  # seconds: a long write by the web process holds the copy this long


def sqlite_path(url: str) -> Path:
    """The database file of a SQLite URL (an in-memory database has none to back up)."""
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupRefused(f"no SQLite file in {url!r}")
    return Path(database)


def copy_out(url: str, target: Path) -> None:
    """Copy the database of `url` to the new file `target`, consistent as of one moment."""
    source_path = sqlite_path(url)
    if not source_path.is_file():
        raise BackupRefused(f"no database at {source_path}")
    _copy(source_path, target)


def copy_in(source_file: Path, url: str) -> None:
    """Replace the database of `url` (created 0600 if missing) with the copy `source_file`."""
    make_db_engine(url).dispose()  # creates the file and its folder private, as keyflow does
    _copy(source_file, sqlite_path(url))


def _copy(source_path: Path, destination_path: Path) -> None:
    """SQLite's online backup of one file into another (waiting out a busy writer)."""
    with closing(sqlite3.connect(source_path, timeout=BUSY_TIMEOUT)) as source, \
            closing(sqlite3.connect(destination_path, timeout=BUSY_TIMEOUT)) as destination:
        source.backup(destination)


def copied_revision(copy: Path) -> str | None:
    """The Alembic revision recorded in a copied database file (None: no keyflow schema)."""
    connection = sqlite3.connect(copy)
    try:
        has_table = connection.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' "
                                       "AND name = 'alembic_version'").fetchone()
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone() \
            if has_table else None
    finally:
        connection.close()
    return str(row[0]) if row else None
