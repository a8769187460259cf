"""The Alembic migrations build, from an empty database, exactly the schema the models describe."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from engine.db import make_db_engine
from engine.models import Base
from engine.schema import upgrade


def assert_matches_models(engine: Engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}),
                                Base.metadata)
    assert diff == []


def test_sqlite_from_empty(tmp_path):
    engine = make_db_engine(f"sqlite:///{tmp_path / 'm.db'}")
    upgrade(engine)
    assert_matches_models(engine)
    upgrade(engine)  # a second run is a no-op
    engine.dispose()


@pytest.mark.postgres
def test_postgres_from_empty(pg_engine):
    name = f"{pg_engine.url.database}_migration"  # beside the test database, never shared
    url = pg_engine.url.set(database=name)
    admin = create_engine(make_url(pg_engine.url).set(database="postgres"),
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {name}"))
    engine = make_db_engine(url.render_as_string(hide_password=False))
    try:
        upgrade(engine)
        assert_matches_models(engine)
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()
