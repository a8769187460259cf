"""BEGIN IMMEDIATE, SAVEPOINT, RELEASE and ROLLBACK TO on SQLite go straight to the driver when
nothing watches statements (engine.sqlite_direct.send_plain), and do exactly what they do
through SQLAlchemy: the write lock is taken, a savepoint undoes its own rows only, an error
is SQLAlchemy's; with a listener, the listener sees every one of them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, event, text
from sqlalchemy.exc import OperationalError

from engine.db import make_db_engine


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    made = make_db_engine(f"sqlite:///{tmp_path / 'plain.db'}")
    with made.begin() as conn:
        conn.execute(text("CREATE TABLE scratch (n INTEGER)"))
    yield made
    made.dispose()


@pytest.fixture
def no_sqlalchemy_execution(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail if a plain statement goes through SQLAlchemy's execution after all."""

    def refused(self: Connection, statement: str, *_args: object) -> None:
        raise AssertionError(f"{statement} went through SQLAlchemy's execution")

    monkeypatch.setattr(Connection, "exec_driver_sql", refused)


def _numbers(conn: Connection) -> list[int]:
    rows = conn.connection.driver_connection.execute("SELECT n FROM scratch ORDER BY n")
    return [n for (n,) in rows]


def test_begin_immediate_takes_the_write_lock_directly(engine, no_sqlalchemy_execution):
    with engine.connect() as first, engine.connect() as second:
        first.begin()
        assert first.connection.driver_connection.in_transaction
        second.connection.driver_connection.execute("PRAGMA busy_timeout=100")
        with pytest.raises(OperationalError, match="database is locked") as caught:
            second.begin()  # its BEGIN IMMEDIATE waits for the lock, then fails
        assert "BEGIN IMMEDIATE" in str(caught.value)
        assert not second.in_transaction()


def test_savepoints_undo_their_own_rows_only_directly(engine, no_sqlalchemy_execution):
    with engine.connect() as conn, conn.begin():
        conn.connection.driver_connection.execute("INSERT INTO scratch VALUES (1)")
        kept = conn.begin_nested()
        conn.connection.driver_connection.execute("INSERT INTO scratch VALUES (2)")
        kept.commit()
        undone = conn.begin_nested()
        conn.connection.driver_connection.execute("INSERT INTO scratch VALUES (3)")
        undone.rollback()
        assert _numbers(conn) == [1, 2]


def test_a_failing_plain_statement_is_raised_as_sqlalchemys(engine):
    from engine.sqlite_direct import send_plain

    with engine.connect() as conn, conn.begin():
        with pytest.raises(OperationalError, match="no such savepoint") as caught:
            send_plain(conn, "RELEASE SAVEPOINT nowhere")
        assert caught.value.statement == "RELEASE SAVEPOINT nowhere"


def test_a_listener_sees_every_plain_statement(engine):
    seen: list[str] = []
    event.listen(engine, "before_cursor_execute",
                 lambda _c, _cur, statement, *_a: seen.append(statement))
    with engine.connect() as conn, conn.begin():
        with conn.begin_nested():
            pass
        conn.begin_nested().rollback()
    assert seen == ["BEGIN IMMEDIATE", "SAVEPOINT sa_savepoint_1",
                    "RELEASE SAVEPOINT sa_savepoint_1", "SAVEPOINT sa_savepoint_2",
                    "ROLLBACK TO SAVEPOINT sa_savepoint_2"]


def test_a_listener_of_one_connection_sees_its_plain_statements(engine):
    seen: list[str] = []
    with engine.connect() as conn:
        event.listen(conn, "before_cursor_execute",
                     lambda _c, _cur, statement, *_a: seen.append(statement))
        with conn.begin(), conn.begin_nested():
            pass
    with engine.connect() as other, other.begin(), other.begin_nested():
        pass  # another connection of the engine: nobody watches it
    assert seen == ["BEGIN IMMEDIATE", "SAVEPOINT sa_savepoint_1",
                    "RELEASE SAVEPOINT sa_savepoint_1"]
