"""engine.db.Reading: a reading unit of work on a bare connection, an ORM Session on the
same connection only when asked, a deferred transaction that never holds the write lock."""

from __future__ import annotations

import sqlite3

from sqlalchemy import event, text

from engine.db import READS_ONLY, Reading, make_db_engine, make_session_factory
from engine.queries.task_records import orm, reading


def _engine_with_table(tmp_path):
    engine = make_db_engine(f"sqlite:///{tmp_path / 'k.db'}")
    with make_session_factory(engine)() as s:
        s.execute(text("CREATE TABLE t (x INTEGER)"))
        s.execute(text("INSERT INTO t VALUES (1)"))
        s.commit()
    return engine


def test_a_reading_reads_in_a_deferred_transaction_and_rolls_it_back(tmp_path):
    engine = _engine_with_table(tmp_path)
    sent: list[str] = []
    event.listen(engine, "before_cursor_execute",
                 lambda _c, _cur, statement, *_: sent.append(statement))
    ended: list[str] = []
    event.listen(engine, "rollback", lambda _c: ended.append("rollback"))
    r = Reading(engine.execution_options(**{READS_ONLY: True}))
    assert reading(r).execute(text("SELECT x FROM t")).scalar() == 1
    assert reading(r) is r.connection()  # one connection for the whole unit of work
    # Deferred: another connection still takes the write lock and commits meanwhile.
    other = sqlite3.connect(str(tmp_path / "k.db"), timeout=0)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO t VALUES (2)")
    other.commit()
    other.close()
    # The reading keeps its snapshot; its Session reads through the same connection.
    session = orm(r)
    assert session is r.session()
    assert session.connection() is r.connection()
    assert session.execute(text("SELECT count(*) FROM t")).scalar() == 1
    r.close()
    assert ended == ["rollback"]
    assert not any("BEGIN" in s.upper() or "INSERT" in s.upper() for s in sent)
    assert engine.pool.checkedout() == 0
    engine.dispose()


def test_a_reading_that_read_nothing_opens_no_connection(tmp_path):
    engine = _engine_with_table(tmp_path)
    r = Reading(engine)
    r.close()
    assert engine.pool.checkedout() == 0
    engine.dispose()


def test_a_session_stays_what_it_reads_with(tmp_path):
    engine = _engine_with_table(tmp_path)
    with make_session_factory(engine, reads_only=True)() as s:
        assert orm(s) is s
        assert reading(s) is s.connection()
    engine.dispose()


def test_mostly_null_json_reads_what_json_document_reads(tmp_path):
    # MostlyNullJSON (engine.queries.task_records) skips decoding the text `null` on
    # SQLite; every value reads back as JSONDocument reads it.
    from sqlalchemy import Column, Integer, MetaData, Table, insert, select

    from engine.models.base import JSONDocument
    from engine.queries.task_records import mostly_null

    engine = make_db_engine(f"sqlite:///{tmp_path / 'k.db'}")
    table = Table("j", MetaData(), Column("id", Integer, primary_key=True),
                  Column("doc", JSONDocument))
    table.create(engine)
    values = [None, [], [{"field": "x", "message": "null"}], {"a": None}, "null", 0, 1.5]
    with engine.begin() as c:
        c.execute(insert(table), [{"id": n, "doc": v} for n, v in enumerate(values)])
        c.exec_driver_sql("INSERT INTO j VALUES (20, NULL)")  # SQL NULL, not JSON null
        usual = c.execute(select(table.c.doc).order_by(table.c.id)).scalars().all()
        read = c.execute(select(mostly_null(table.c.doc)).order_by(table.c.id)).scalars().all()
        stored = c.exec_driver_sql("SELECT doc FROM j WHERE id = 0").scalar()
    assert stored == "null"  # what the shortcut is for
    assert usual == [*values, None]
    assert read == usual
    engine.dispose()
