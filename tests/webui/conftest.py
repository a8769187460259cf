"""Web UI fixtures: an app on a copy of a prepared SQLite file, signed-in test clients.

The prepared file (users of every role, the webui_flow and approval bundles) is built once
per session; each test gets its own copy, so tests may commit freely.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from flask import Flask
from sqlalchemy import Engine
from webui_env import START, Client, Env, make_app, populate

import engine.accounts
from engine.clock import MovableClock
from engine.db import make_db_engine, make_session_factory
from engine.models import Base


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing() -> Iterator[None]:
    """Still argon2id, with test-sized costs: hundreds of sign-ins stay fast."""
    original = engine.accounts._hasher
    engine.accounts._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    engine.accounts._hasher = original


@pytest.fixture(scope="session")
def prepared_db(tmp_path_factory: pytest.TempPathFactory, _fast_password_hashing: None) -> Path:
    """A SQLite file with the schema, users and bundles (copied for each test)."""
    path = tmp_path_factory.mktemp("webui") / "prepared.db"
    db_engine = make_db_engine(f"sqlite:///{path}")
    Base.metadata.create_all(db_engine)
    with make_session_factory(db_engine)() as session:
        populate(session, MovableClock(START))
        session.commit()
    db_engine.dispose()  # the last connection to close checkpoints the WAL into the file
    return path


@pytest.fixture
def clock() -> MovableClock:
    """The app's clock, moved by tests."""
    return MovableClock(START)


@pytest.fixture
def app_config() -> dict[str, Any]:
    """Extra configuration a test module may override."""
    return {}


@pytest.fixture
def app(prepared_db: Path, tmp_path: Path, clock: MovableClock,
        app_config: dict[str, Any]) -> Iterator[Flask]:
    """A fresh app on its own copy of the prepared database."""
    path = tmp_path / "keyflow.db"
    shutil.copy(prepared_db, path)
    application = make_app(f"sqlite:///{path}", clock, tmp_path / "var", **app_config)
    yield application
    application.extensions["keyflow.db_engine"].dispose()


@pytest.fixture
def env(app: Flask) -> Env:
    """Engine-side helpers on the test's app."""
    return Env(app)


@pytest.fixture
def client_for(app: Flask) -> Callable[[str | None], Client]:
    """Make a client signed in as a user (None: anonymous)."""
    return lambda username: Client(app, username)


@pytest.fixture
def pg_app(pg_engine: Engine, committed_pg: Any, tmp_path: Path) -> Iterator[Flask]:
    """An app on the PostgreSQL test database, emptied before and after, populated here."""
    clock = MovableClock(START)
    with make_session_factory(pg_engine)() as session:
        populate(session, clock)
        session.commit()
    application = make_app(pg_engine.url.render_as_string(hide_password=False), clock, tmp_path)
    yield application
    application.extensions["keyflow.db_engine"].dispose()
