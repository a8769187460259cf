"""engine.queries.read_types: the read calls' quicker decoding gives exactly what the columns'
own types give, on SQLite (where it applies) and on PostgreSQL (where it changes nothing)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, insert, select, text
from sqlalchemy.orm import Session

from engine.models.base import JSONDocument, UTCDateTime
from engine.queries.read_types import quick_json, quick_time

_TABLE = Table("read_types_probe", MetaData(), Column("id", Integer, primary_key=True),
               Column("at", UTCDateTime()), Column("doc", JSONDocument))

TIMES = [None, datetime(2026, 12, 1, 2, 34, 41, 913552, tzinfo=UTC),
         datetime(2026, 1, 1, tzinfo=UTC),  # no microseconds: stored as .000000
         datetime(1, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
         datetime(2026, 6, 1, 12, tzinfo=UTC) + timedelta(microseconds=1)]
DOCUMENTS = [None, {}, [], {"data": {"volume": 6000}}, {"a": None, "ü": "中文 \"q\""},
             [{"field": "x", "message": "null"}], "text", 0, 1.5, True, {"n": -2.5e-3}]


def _both(session, where=None):
    query = select(_TABLE.c.at, _TABLE.c.doc).order_by(_TABLE.c.id)
    quick = select(quick_time(_TABLE.c.at), quick_json(_TABLE.c.doc)).order_by(_TABLE.c.id)
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
    for query in (select(_TABLE.c.at, _TABLE.c.doc),
                  select(quick_time(_TABLE.c.at), quick_json(_TABLE.c.doc))):
        with pytest.raises(ValueError) as caught:
            session.execute(query).all()
        errors.append((type(caught.value), str(caught.value)))
    assert errors[0] == errors[1]
