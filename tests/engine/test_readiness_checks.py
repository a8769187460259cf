"""Readiness: the database answers and its schema is at the code's newest migration."""

from __future__ import annotations

import socket

from engine.db import make_db_engine
from engine.models import Base
from engine.observability.readiness import Check, check_database, head_revisions
from engine.schema import upgrade


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_ready_when_the_schema_is_at_the_head(tmp_path):
    engine = make_db_engine(f"sqlite:///{tmp_path / 'kf.db'}")
    upgrade(engine)
    [database, migrations] = check_database(engine)
    assert (database, migrations.ok) == (Check("database", True), True)
    assert migrations.detail == ", ".join(sorted(head_revisions()))
    engine.dispose()


def test_not_ready_while_the_schema_is_behind_or_unmanaged(tmp_path):
    engine = make_db_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine, "0005")
    database, migrations = check_database(engine)
    assert database.ok and not migrations.ok
    assert migrations.detail.startswith("schema at 0005, code at ")
    bare = make_db_engine(f"sqlite:///{tmp_path / 'bare.db'}")
    Base.metadata.create_all(bare)  # tables, but no Alembic revision
    assert check_database(bare)[1].detail.startswith("schema at none")
    engine.dispose()
    bare.dispose()


def test_not_ready_when_the_database_does_not_answer():
    engine = make_db_engine(f"postgresql+psycopg://keyflow:hunter2@127.0.0.1:{free_port()}/kf")
    database, migrations = check_database(engine)
    assert not database.ok and not migrations.ok
    assert "OperationalError" in database.detail and "hunter2" not in database.detail
    engine.dispose()
