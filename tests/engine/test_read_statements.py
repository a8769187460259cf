"""engine.queries.read_statements: a read call's statement sent to SQLite's driver directly
(engine.sqlite_direct) answers what SQLAlchemy answers, raises a driver's error as
SQLAlchemy raises it, and goes the usual way whenever something watches statements or the
connection has no transaction yet."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import (
    Boolean,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    event,
    exc,
    func,
    insert,
    literal,
    select,
)

from engine.db import make_db_engine
from engine.models.base import JSONDocument, UTCDateTime
from engine.queries.read_statements import ReadStatement
from engine.queries.read_types import quick_json

_TABLE = Table("probe", MetaData(), Column("id", Integer, primary_key=True),
               Column("name", String(20)), Column("flag", Boolean),
               Column("at", UTCDateTime()), Column("doc", JSONDocument))
NOW = datetime(2026, 12, 1, 2, 34, 41, 913552, tzinfo=UTC)
_QUERY = (select(_TABLE.c.id, _TABLE.c.name, _TABLE.c.flag, _TABLE.c.at,
                 _TABLE.c.doc, quick_json(_TABLE.c.doc),
                 func.count().over().label("n"))
          .where(_TABLE.c.at <= bindparam("now", type_=UTCDateTime()),
                 _TABLE.c.id.in_([literal(1), literal(2), literal(3)]),
                 _TABLE.c.name != bindparam("name"))
          .order_by(_TABLE.c.id).limit(10))


@pytest.fixture
def engine(tmp_path):
    engine = make_db_engine(f"sqlite:///{tmp_path / 'k.db'}")
    _TABLE.create(engine)
    with engine.begin() as connection:
        connection.execute(insert(_TABLE), [
            {"id": 1, "name": "a", "flag": True, "at": NOW, "doc": {"a": [1, None]}},
            {"id": 2, "name": "中文", "flag": False, "at": NOW, "doc": None},
            {"id": 3, "name": "x", "flag": None, "at": None, "doc": [1]},
            {"id": 4, "name": "b", "flag": True, "at": NOW, "doc": {}}])
    yield engine
    engine.dispose()


def test_a_read_statement_answers_what_sqlalchemy_answers(engine):
    params = {"now": NOW, "name": "x"}
    with engine.connect() as connection, connection.begin():
        usual = [tuple(row) for row in connection.execute(_QUERY, params)]
        read = ReadStatement(_QUERY).rows(connection, params)
    assert len(usual) == 2
    assert read == usual
    assert [type(value) for row in read for value in row] == \
        [type(value) for row in usual for value in row]
    assert all(type(row) is tuple for row in read)  # sent to the driver directly


def test_a_statement_listener_sees_every_statement(engine):
    seen = []
    event.listen(engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
    statement = ReadStatement(_QUERY)
    with engine.connect() as connection, connection.begin():
        rows = statement.rows(connection, {"now": NOW, "name": "x"})
    assert len(rows) == 2
    assert [sql for sql in seen if sql.startswith("SELECT")] == [seen[-1]]


def test_without_a_transaction_sqlalchemy_begins_one(engine):
    with engine.connect() as connection:
        rows = ReadStatement(_QUERY).rows(connection, {"now": NOW, "name": "x"})
        assert connection.in_transaction()
    assert len(rows) == 2


def test_a_driver_error_is_raised_as_sqlalchemy_raises_it(engine):
    other = Table("missing", MetaData(), Column("id", Integer, primary_key=True))
    statement = ReadStatement(select(other.c.id).where(other.c.id == bindparam("id")))
    with engine.connect() as connection, connection.begin(), \
            pytest.raises(exc.OperationalError, match="no such table"):
        statement.rows(connection, {"id": 1})
