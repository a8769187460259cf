"""Savepoints of keyflow's engines (engine.db): sent as plain SQL text, still seen by
SQLAlchemy's statement events, still undoing what they should, errors still SQLAlchemy's."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session


@pytest.fixture
def sent(db_engine: Engine) -> Iterator[list[str]]:
    """Every statement the engine sends while the test runs, as SQLAlchemy's events see it."""
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement.strip().upper())

    event.listen(db_engine, "before_cursor_execute", seen)
    yield statements
    event.remove(db_engine, "before_cursor_execute", seen)


@pytest.fixture
def conn(db_engine: Engine) -> Iterator[Connection]:
    """A connection inside a transaction rolled back after the test, with a scratch table."""
    with db_engine.connect() as connection:
        outer = connection.begin()
        connection.execute(text("CREATE TEMPORARY TABLE scratch (n INTEGER)"))
        yield connection
        outer.rollback()


def _numbers(conn: Connection) -> list[int]:
    return list(conn.execute(text("SELECT n FROM scratch ORDER BY n")).scalars())


def test_a_released_savepoint_keeps_its_rows(conn, sent):
    with conn.begin_nested():
        conn.execute(text("INSERT INTO scratch VALUES (1)"))
    assert _numbers(conn) == [1]
    marks = [s for s in sent if s.startswith(("SAVEPOINT", "RELEASE"))]
    assert marks == ["SAVEPOINT SA_SAVEPOINT_1", "RELEASE SAVEPOINT SA_SAVEPOINT_1"]


def test_a_rolled_back_savepoint_undoes_only_its_own_rows(conn, sent):
    conn.execute(text("INSERT INTO scratch VALUES (1)"))
    inner = conn.begin_nested()
    conn.execute(text("INSERT INTO scratch VALUES (2)"))
    inner.rollback()
    assert _numbers(conn) == [1]
    assert "ROLLBACK TO SAVEPOINT SA_SAVEPOINT_1" in sent


def test_a_session_savepoint_rolls_back_and_the_command_goes_on(db_engine):
    with db_engine.connect() as connection:
        outer = connection.begin()
        connection.execute(text("CREATE TEMPORARY TABLE scratch (n INTEGER)"))
        with Session(bind=connection, join_transaction_mode="create_savepoint") as session:
            session.execute(text("INSERT INTO scratch VALUES (1)"))
            nested = session.begin_nested()
            session.execute(text("INSERT INTO scratch VALUES (2)"))
            nested.rollback()
            session.execute(text("INSERT INTO scratch VALUES (3)"))
            session.commit()
        assert _numbers(connection) == [1, 3]
        outer.rollback()


def test_a_failing_savepoint_statement_raises_sqlalchemys_error(conn):
    inner = conn.begin_nested()
    conn.exec_driver_sql("RELEASE SAVEPOINT sa_savepoint_1")  # gone behind SQLAlchemy's back
    with pytest.raises(DBAPIError):
        inner.commit()
