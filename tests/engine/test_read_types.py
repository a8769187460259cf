"""Quicker decoding on SQLite gives exactly what the usual way gives: engine.queries.read_types
(the read calls' JSON) and UTCDateTime's own processors (engine.models.base), compared
with the usual SQLAlchemy processors, on SQLite (where they apply) and on PostgreSQL
(where they change nothing)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import (
    Column,
    DateTime,
    Dialect,
    Integer,
    MetaData,
    Table,
    TypeDecorator,
    insert,
    select,
    text,
    type_coerce,
)
from sqlalchemy.orm import Session

from engine.models.base import JSONDocument, UTCDateTime
from engine.queries.read_types import quick_json


class UsualUTCDateTime(TypeDecorator[datetime]):
    """UTCDateTime as SQLAlchemy alone converts it: the reference for its quicker ways."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return UTCDateTime().process_bind_param(value, dialect)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        return UTCDateTime().process_result_value(value, dialect)


_TABLE = Table("read_types_probe", MetaData(), Column("id", Integer, primary_key=True),
               Column("at", UTCDateTime()), Column("doc", JSONDocument))
_USUAL_AT = type_coerce(_TABLE.c.at, UsualUTCDateTime()).label("at")

TIMES = [None, datetime(2026, 12, 1, 2, 34, 41, 913552, tzinfo=UTC),
         datetime(2026, 1, 1, tzinfo=UTC),  # no microseconds: stored as .000000
         datetime(1, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
         datetime(2026, 6, 1, 12, tzinfo=UTC) + timedelta(microseconds=1),
         datetime(2026, 6, 1, 12, 30, tzinfo=timezone(timedelta(hours=8)))]  # not UTC
DOCUMENTS = [None, {}, [], {"data": {"volume": 6000}}, {"a": None, "ü": "中文 \"q\""},
             [{"field": "x", "message": "null"}], "text", 0, 1.5, True, {"n": -2.5e-3}]


def _both(session, where=None):
    query = select(_USUAL_AT, _TABLE.c.doc).order_by(_TABLE.c.id)
    quick = select(_TABLE.c.at, quick_json(_TABLE.c.doc)).order_by(_TABLE.c.id)
    if where is not None:
        query, quick = query.where(where), quick.where(where)
    return ([tuple(r) for r in session.execute(query)],
            [tuple(r) for r in session.execute(quick)])


def test_quick_types_read_what_the_column_types_read(session):
    _TABLE.create(session.connection())
    rows = [{"id": n, "at": at, "doc": doc}
            for n, (at, doc) in enumerate(zip(TIMES * 2, DOCUMENTS, strict=False))]
    session.execute(insert(_TABLE), rows)
    usual, quick = _both(session)
    assert usual == [(r["at"], r["doc"]) for r in rows]
    assert quick == usual
    assert all(at is None or at.tzinfo is UTC for at, _ in quick)


def test_utc_datetimes_are_written_as_the_usual_way_writes_them(session):
    """Each value written through UTCDateTime is stored as UsualUTCDateTime stores it (on
    SQLite the same text, compared as text; on PostgreSQL the same timestamp)."""
    _TABLE.create(session.connection())
    usual_table = Table("read_types_usual", MetaData(), Column("id", Integer, primary_key=True),
                        Column("at", UsualUTCDateTime()))
    usual_table.create(session.connection())
    rows = [{"id": n, "at": at} for n, at in enumerate(TIMES)]
    session.execute(insert(_TABLE), rows)
    session.execute(insert(usual_table), rows)
    stored = "CAST(at AS TEXT)"
    mine = session.execute(text(f"SELECT id, {stored} FROM read_types_probe ORDER BY id")).all()
    usual = session.execute(text(f"SELECT id, {stored} FROM read_types_usual ORDER BY id")).all()
    assert mine == usual and len(mine) == len(TIMES)


def test_naive_datetimes_are_refused_as_before(session):
    _TABLE.create(session.connection())
    with pytest.raises(Exception, match="aware datetimes only"):
        session.execute(insert(_TABLE), [{"id": 1, "at": datetime(2026, 1, 1)}])


@pytest.fixture
def sqlite_session(sqlite_engine):
    """A rolled-back session on SQLite only: the cases below are stored text, which only
    SQLite holds (PostgreSQL stores times and JSON typed)."""
    with sqlite_engine.connect() as conn:
        outer = conn.begin()
        with Session(bind=conn, join_transaction_mode="create_savepoint") as s:
            yield s
        outer.rollback()


def test_on_sqlite_other_stored_text_goes_the_usual_way(sqlite_session):
    session = sqlite_session
    _TABLE.create(session.connection())
    texts = [("2026-12-01 02:34:41", '  {"a": 1}'),  # no fraction; whitespace around JSON
             ("2026-12-01 02:34:41.5", '{"a": 1} '),  # a short fraction; trailing space
             ("2026-12-01T02:34:41.913552", "[1, 2]"),  # T: the usual way reads the date
             ("2026-12-01 02:34:41,913552", "null"),  # comma: the usual way, 0 microseconds
             ("2026-12-01 02:34:41.123456", "NaN"),  # JSON's NaN, as json.loads reads it
             ("2026-12-01 02:34:41.123456", '"\\u00fc"')]
    for n, (at, doc) in enumerate(texts):
        session.execute(text("INSERT INTO read_types_probe VALUES (:id, :at, :doc)"),
                        {"id": n, "at": at, "doc": doc})
    usual, quick = _both(session)
    assert repr(quick) == repr(usual)  # NaN != NaN, its repr is the same


@pytest.mark.parametrize("at, doc", [("2026-13-01 02:34:41.913552", "1"),
                                     ("2026-12-01 02:34:41.913552", "{not json"),
                                     ("2026-12-01 02:34:41.913552", '{"a": 1} x')])
def test_on_sqlite_bad_stored_text_fails_as_usual(sqlite_session, at, doc):
    session = sqlite_session
    _TABLE.create(session.connection())
    session.execute(text("INSERT INTO read_types_probe VALUES (1, :at, :doc)"),
                    {"at": at, "doc": doc})
    errors = []
    for query in (select(_USUAL_AT, _TABLE.c.doc),
                  select(_TABLE.c.at, quick_json(_TABLE.c.doc))):
        with pytest.raises(ValueError) as caught:
            session.execute(query).all()
        errors.append((type(caught.value), str(caught.value)))
    assert errors[0] == errors[1]
