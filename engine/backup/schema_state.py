"""What a database holds, as backup and restore need to know it: schema revision, contents."""

from __future__ import annotations

from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Engine, MetaData, func, inspect, select
from sqlalchemy.engine import make_url

from engine.errors import BackupRefused
from engine.schema import alembic_config

# Counted in the message that refuses to overwrite a database (the rest is implied).
COUNTED_TABLES = {"app_user": "users", "process_definition": "process versions",
                  "process_instance": "instances"}


def database_kind(url: str) -> str:
    """"sqlite" or "postgresql"; BackupRefused for any other database."""
    kind = make_url(url).get_backend_name()
    if kind not in ("sqlite", "postgresql"):
        raise BackupRefused(f"backups support SQLite and PostgreSQL, not {kind}")
    return kind


def current_revision(engine: Engine) -> str | None:
    """The Alembic revision the database is at (None: no keyflow schema)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    """The newest revision this code knows."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def is_known_revision(revision: str) -> bool:
    """Whether this code's migrations contain `revision` (else it is from a newer keyflow)."""
    try:
        return ScriptDirectory.from_config(alembic_config()).get_revision(revision) is not None
    except CommandError:
        return False


def contents(engine: Engine) -> str | None:
    """None for a database without tables, else what is in it in a few words."""
    names = inspect(engine).get_table_names()
    if not names:
        return None
    metadata = MetaData()
    metadata.reflect(engine, only=[n for n in COUNTED_TABLES if n in names])
    counts = []
    with engine.connect() as conn:
        for name, words in COUNTED_TABLES.items():
            if name in metadata.tables:
                count = conn.scalar(select(func.count()).select_from(metadata.tables[name]))
                counts.append(f"{count} {words}")
    return f"{len(names)} tables" + (f" ({', '.join(counts)})" if counts else "")
