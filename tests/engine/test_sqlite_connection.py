"""Every embedded (SQLite) connection is set up alike: WAL, a busy timeout, foreign keys,
synchronous=NORMAL, and temporary data in memory, so a command's savepoint journal (a submit
touches more pages than SQLite's in-memory statement journal holds) does not go through a
temporary file that is created, written and unlinked on every command."""

from __future__ import annotations

from sqlalchemy import text

from engine.db import make_db_engine


def test_each_connection_gets_the_embedded_settings(tmp_path):
    engine = make_db_engine(f"sqlite:///{tmp_path / 'k.db'}")
    try:
        with engine.connect() as conn:
            settings = {name: conn.execute(text(f"PRAGMA {name}")).scalar_one()
                        for name in ("journal_mode", "busy_timeout", "foreign_keys",
                                     "synchronous", "temp_store")}
    finally:
        engine.dispose()
    # synchronous 1 is NORMAL, temp_store 2 is MEMORY (SQLite's documented codes).
    assert settings == {"journal_mode": "wal", "busy_timeout": 10000, "foreign_keys": 1,
                        "synchronous": 1, "temp_store": 2}


def test_a_savepoint_larger_than_the_in_memory_journal_rolls_back_cleanly(tmp_path):
    engine = make_db_engine(f"sqlite:///{tmp_path / 'k.db'}")
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (x INTEGER PRIMARY KEY, pad TEXT)"))
            conn.execute(text("INSERT INTO t (x, pad) VALUES (0, 'keep')"))
        with engine.begin() as conn:
            savepoint = conn.begin_nested()
            conn.execute(text("INSERT INTO t (x, pad) VALUES (:x, :pad)"),
                         [{"x": i, "pad": "p" * 2000} for i in range(1, 200)])
            savepoint.rollback()
            conn.execute(text("INSERT INTO t (x, pad) VALUES (1, 'after')"))
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT x, pad FROM t ORDER BY x")).all()
    finally:
        engine.dispose()
    assert [tuple(row) for row in rows] == [(0, "keep"), (1, "after")]
