"""Shared fixtures: a database on SQLite and on the real PostgreSQL, an engine with a movable clock.

With CI=true a missing PostgreSQL fails the run instead of skipping (the README says so).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from chat_endpoint import chat_endpoint  # noqa: F401 (a fixture: the fake robot API)
from missing_service import unavailable
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from engine.clock import MovableClock
from engine.db import make_db_engine
from engine.models import Base

DATA = Path(__file__).parent / "data"
PG_URL = os.environ.get(
    "KEYFLOW_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/keyflow_test"
)


def _postgres_or_skip() -> Engine:
    engine = make_db_engine(PG_URL, poolclass=None)
    try:
        with engine.connect() as conn:
            conn.execute(text("select 1"))
    except Exception as err:  # any connection failure means "not available"
        engine.dispose()
        unavailable(f"PostgreSQL is not reachable at {PG_URL}: {err}")
    return engine


@pytest.fixture(scope="session")
def pg_engine() -> Iterator[Engine]:
    """The real PostgreSQL test database, with keyflow's tables created fresh.

    The whole schema is dropped first, not only keyflow's tables: a table another checkout
    left behind (with a foreign key to one of ours) must not stop the run."""
    engine = _postgres_or_skip()
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()


def empty_postgres(engine: Engine) -> None:
    """Remove every row (tests that really commit clean up before and after themselves)."""
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL lock_timeout = '10s'"))
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture
def committed_pg(pg_engine: Engine) -> Iterator[sessionmaker[Session]]:
    """Sessions on PostgreSQL that really commit (threads and processes must see each other's
    work); the database is emptied before and after, since other tests share it."""
    empty_postgres(pg_engine)
    yield sessionmaker(pg_engine, expire_on_commit=False)
    empty_postgres(pg_engine)


@pytest.fixture(scope="session")
def sqlite_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A file SQLite database in WAL mode, as in embedded keyflow."""
    path = tmp_path_factory.mktemp("sqlite") / "keyflow.db"
    engine = make_db_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_engine(request: pytest.FixtureRequest) -> Engine:
    """Each engine test runs twice: on SQLite and on PostgreSQL."""
    name = "pg_engine" if request.param == "postgresql" else "sqlite_engine"
    engine: Engine = request.getfixturevalue(name)
    return engine


@pytest.fixture
def session(db_engine: Engine) -> Iterator[Session]:
    """A session inside an outer transaction that is rolled back after the test.

    The code under test may commit: with create_savepoint its commits end savepoints.
    """
    with db_engine.connect() as conn:
        outer = conn.begin()
        factory = sessionmaker(bind=conn, join_transaction_mode="create_savepoint",
                               expire_on_commit=False)
        with factory() as s:
            yield s
        outer.rollback()


@pytest.fixture
def clock() -> MovableClock:
    """A clock at a fixed, known moment that tests move forward."""
    return MovableClock(datetime(2026, 3, 2, 1, 0, tzinfo=UTC))


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update"]


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's Chromium driven by Playwright (`make test` installs it)."""
    if not Path(CHROMIUM).exists():
        unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
