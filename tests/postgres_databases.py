"""Databases of their own beside the PostgreSQL test database, for tests that need a fresh one
(migrations from empty, restoring a backup): named after the test database, dropped after."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from engine.db import make_db_engine


@contextmanager
def fresh_postgres(pg_engine: Engine, suffix: str) -> Iterator[Engine]:
    """An empty database `<test database>_<suffix>` (never shared), dropped afterwards."""
    name = f"{pg_engine.url.database}_{suffix}"
    url = pg_engine.url.set(database=name)
    admin = create_engine(make_url(pg_engine.url).set(database="postgres"),
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {name}"))
    engine = make_db_engine(url.render_as_string(hide_password=False))
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()
