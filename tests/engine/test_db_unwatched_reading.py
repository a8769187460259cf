"""engine.db.Reading on an engine nobody watches: its connection skips SQLAlchemy's event
dispatch (engine.unwatched_engine) with the same transaction as the usual way (deferred on
SQLite, one snapshot, rolled back at close), and any listener, wherever registered, sends
readings the usual way again so that it sees everything."""

from __future__ import annotations

import gc
import sqlite3
import weakref
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, event, exc, literal, select, text

import engine.db
from engine.db import READS_ONLY, Reading, make_db_engine, make_session_factory
from engine.queries.read_statements import ReadStatement
from engine.queries.task_records import orm, reading
from engine.unwatched_engine import UnwatchedEngine

# Every ConnectionEvents event (SQLAlchemy's own list of them).
CONNECTION_EVENTS = tuple(Engine.dispatch._event_names)


def _made(request: pytest.FixtureRequest, tmp_path: Any, kind: str) -> Iterator[Engine]:
    """A fresh engine as keyflow makes it, with a one-row table `reading_probe`."""
    if kind == "sqlite":
        engine = make_db_engine(f"sqlite:///{tmp_path / 'k.db'}")
    else:
        pg = request.getfixturevalue("pg_engine")
        engine = make_db_engine(pg.url.render_as_string(hide_password=False))
    with engine.begin() as c:
        c.execute(text("DROP TABLE IF EXISTS reading_probe"))
        c.execute(text("CREATE TABLE reading_probe (x INTEGER)"))
        c.execute(text("INSERT INTO reading_probe VALUES (1)"))
    yield engine
    with engine.begin() as c:
        c.execute(text("DROP TABLE reading_probe"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def base(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[Engine]:
    """`_made` on each backend."""
    yield from _made(request, tmp_path, request.param)


@pytest.fixture
def pg_base(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[Engine]:
    """`_made` on PostgreSQL only."""
    yield from _made(request, tmp_path, "postgresql")


def _read_engine(base: Engine) -> Engine:
    return make_session_factory(base, reads_only=True).kw["bind"]  # as the app makes it


def _unwatched(r: Reading) -> bool:
    return isinstance(r.connection().engine, UnwatchedEngine)


def _count(r: Reading) -> int:
    return int(reading(r).execute(text("SELECT count(*) FROM reading_probe")).scalar_one())


def test_a_reading_nobody_watches_skips_the_event_dispatch(base):
    read = _read_engine(base)
    r = Reading(read)
    assert _unwatched(r)
    assert r.connection().get_execution_options().get(READS_ONLY) is True
    assert _count(r) == 1
    assert reading(r) is r.connection()  # one connection for the whole unit of work
    session = orm(r)  # an ORM check reads on the same connection
    assert session.connection() is r.connection()
    assert session.execute(text("SELECT x FROM reading_probe")).scalar_one() == 1
    r.close()
    assert base.pool.checkedout() == 0


def test_an_unwatched_reading_keeps_its_snapshot_and_never_takes_the_write_lock(tmp_path):
    base = make_db_engine(f"sqlite:///{tmp_path / 'k.db'}")
    with base.begin() as c:
        c.execute(text("CREATE TABLE reading_probe (x INTEGER)"))
        c.execute(text("INSERT INTO reading_probe VALUES (1)"))
    r = Reading(_read_engine(base))
    assert _unwatched(r)
    driver = r.connection().connection.driver_connection
    assert driver.in_transaction  # BEGIN sent at the start of the unit of work
    assert _count(r) == 1
    # Deferred: another connection still takes the write lock and commits meanwhile.
    other = sqlite3.connect(str(tmp_path / "k.db"), timeout=0)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO reading_probe VALUES (2)")
    other.commit()
    other.close()
    assert _count(r) == 1  # its snapshot
    r.close()
    assert not driver.in_transaction  # rolled back, no transaction left between requests
    assert base.pool.checkedout() == 0
    later = Reading(_read_engine(base))
    assert _count(later) == 2
    later.close()
    base.dispose()


def test_read_statements_go_to_the_driver_on_an_unwatched_reading(base):
    r = Reading(_read_engine(base))
    rows = ReadStatement(select(literal(7).label("n"))).rows(r.connection(), {})
    assert [tuple(row) for row in rows] == [(7,)]
    if base.dialect.name == "sqlite":
        assert type(rows[0]) is tuple  # sent to the driver directly (read_statements)
    r.close()


@pytest.mark.parametrize("name", CONNECTION_EVENTS)
def test_any_connection_listener_sends_readings_the_usual_way(base, name):
    read = _read_engine(base)
    first = Reading(read)
    assert _unwatched(first)  # the engine's state is known now
    first.close()

    def listener(*_args: Any, **_kw: Any) -> None:
        return None

    event.listen(base, name, listener)
    try:
        _read_the_usual_way(read)
    finally:
        event.remove(base, name, listener)
    again = Reading(read)
    assert _unwatched(again)  # nobody watches any more
    again.close()


def test_a_listener_sees_every_event_and_statement_of_a_reading(base):
    read = _read_engine(base)
    seen: list[str] = []
    event.listen(base, "engine_connect", lambda _c: seen.append("connect"))
    event.listen(base, "begin", lambda _c: seen.append("begin"))
    event.listen(base, "before_cursor_execute",
                 lambda _c, _cur, statement, *_: seen.append(statement))
    event.listen(base, "rollback", lambda _c: seen.append("rollback"))
    r = Reading(read)
    assert _count(r) == 1
    r.close()
    assert seen == ["connect", "begin", "SELECT count(*) FROM reading_probe", "rollback"]
    assert base.pool.checkedout() == 0


def test_a_listener_on_the_read_engine_itself_is_honoured(base):
    read = _read_engine(base)
    seen: list[str] = []
    event.listen(read, "before_cursor_execute",
                 lambda _c, _cur, statement, *_: seen.append(statement))
    _read_the_usual_way(read)
    assert seen == ["SELECT count(*) FROM reading_probe"]


def _read_the_usual_way(read: Engine) -> None:
    """A reading on `read` that goes the usual way (someone listens), and reads its row."""
    r = Reading(read)
    assert not _unwatched(r)
    assert _count(r) == 1
    r.close()


@pytest.mark.parametrize("target", [Connection, Engine])
def test_a_listener_for_every_connection_sends_readings_the_usual_way(base, target,
                                                                     monkeypatch):
    read = _read_engine(base)
    seen: list[str] = []

    def listener(_c: Any, _cur: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    # SQLAlchemy marks the class for good when it is listened to: undone after the test.
    monkeypatch.setattr(target, "_has_events", False)
    event.listen(target, "before_cursor_execute", listener)
    try:
        _read_the_usual_way(read)
    finally:
        event.remove(target, "before_cursor_execute", listener)
    assert seen == ["SELECT count(*) FROM reading_probe"]


def test_a_failing_statement_raises_sqlalchemys_error_and_the_reading_still_closes(base):
    errors: list[Any] = []
    # handle_error is the dialect's event: it is heard without a connection's dispatch.
    event.listen(base, "handle_error", lambda context: errors.append(context.statement))
    r = Reading(_read_engine(base))
    assert _unwatched(r)
    with pytest.raises(exc.DBAPIError):
        reading(r).execute(text("SELECT nothing_here FROM reading_probe"))
    assert errors == ["SELECT nothing_here FROM reading_probe"]
    r.close()
    assert base.pool.checkedout() == 0
    after = Reading(_read_engine(base))
    assert _count(after) == 1
    after.close()


def test_readings_use_the_pool_the_engine_has_after_dispose(base):
    read = _read_engine(base)
    r = Reading(read)
    assert _count(r) == 1
    r.close()
    base.dispose()  # a new pool
    r = Reading(read)
    assert _unwatched(r)
    assert _count(r) == 1
    assert base.pool.checkedout() == 1
    r.close()
    assert base.pool.checkedout() == 0


def test_an_idle_postgresql_connection_is_still_pinged_before_a_reading(pg_base, monkeypatch):
    """The idle ping is PostgreSQL's (engine.db._ping_when_idle)."""
    base = pg_base
    read = _read_engine(base)
    r = Reading(read)
    assert _count(r) == 1
    r.close()  # back in the pool, idle from now
    pings: list[Any] = []
    ping = base.dialect.do_ping

    def counted_ping(dbapi_connection: Any) -> bool:
        pings.append(dbapi_connection)
        return bool(ping(dbapi_connection))

    monkeypatch.setattr(base.dialect, "do_ping", counted_ping)
    now = engine.db.time.monotonic()
    monkeypatch.setattr(engine.db.time, "monotonic",
                        lambda: now + engine.db.PING_AFTER_IDLE_SECONDS + 1)
    r = Reading(read)
    assert _unwatched(r)
    assert _count(r) == 1
    r.close()
    assert len(pings) == 1


def test_an_unwatched_reading_keeps_no_engine_alive(tmp_path):
    base = make_db_engine(f"sqlite:///{tmp_path / 'k.db'}")
    read = base.execution_options(**{READS_ONLY: True})
    r = Reading(read)
    assert _unwatched(r)
    assert r.connection().exec_driver_sql("SELECT 1").scalar_one() == 1
    r.close()
    base.dispose()
    gone = weakref.ref(base)
    del base, read, r
    gc.collect()
    assert gone() is None
