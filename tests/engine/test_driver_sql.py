"""Statements compiled once and sent as driver SQL (engine.driver_sql) write and read what the
same Core statements do, on SQLite and PostgreSQL, as statements of the Connection; on
SQLite when nothing watches, sent to the driver directly (engine.sqlite_direct), with the
same rows, errors and transaction state as the usual way."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime
from functools import partial
from typing import Any, cast

import pytest
from sqlalchemy import (
    Column,
    Connection,
    CursorResult,
    MetaData,
    String,
    Table,
    bindparam,
    event,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import (
    IntegrityError,
    MultipleResultsFound,
    NoResultFound,
    OperationalError,
    StatementError,
)
from sqlalchemy.types import Boolean, Enum, Integer

from engine.db import READS_ONLY, is_postgres, make_db_engine
from engine.driver_sql import DriverStatement
from engine.models import AuditEvent, HumanTask, Notification
from engine.models.base import JSONDocument, UTCDateTime
from engine.models.tasks import TaskStatus
from engine.runtime.task_rows import _names, _upsert
from engine.runtime.tasks import _LOCK_AND_READ, _LOCK_AND_READ_POSTGRES
from engine.runtime.writes import _update_instance
from engine.sqlite_direct import Written

AUDIT = cast(Table, AuditEvent.__table__)
OUTBOX = cast(Table, Notification.__table__)
TASKS = cast(Table, HumanTask.__table__)
KEYS = ("at", "actor_id", "action", "instance_id", "task_id", "process_key", "bpmn_id", "data",
        "request_id")
AT = datetime(2026, 3, 2, 1, 0, 0, 123456, tzinfo=UTC)


def _insert(table: Table, keys: tuple[str, ...]) -> Any:
    return insert(table).values({k: bindparam(k, type_=table.c[k].type) for k in keys})


def _event(n: int, **values: Any) -> dict[str, Any]:
    return {"at": AT, "actor_id": None, "action": f"test_{n}", "instance_id": None,
            "task_id": None, "process_key": "p", "bpmn_id": None, "data": {"n": n, "t": "文"},
            "request_id": None, **values}


def _stored(connection, action):
    return connection.execute(select(*(AUDIT.c[k] for k in KEYS)).where(
        AUDIT.c.action == action)).one()


def test_an_insert_stores_what_the_core_insert_stores(session):
    connection = session.connection()
    connection.execute(_insert(AUDIT, KEYS), _event(1, data={}))
    DriverStatement(_insert(AUDIT, KEYS)).execute(connection, _event(2, data={}))
    core, driver = _stored(connection, "test_1"), _stored(connection, "test_2")
    assert {**driver._asdict(), "action": "test_1"} == core._asdict()
    assert driver.at == AT and driver.data == {}


def test_json_null_and_aware_times_round_trip(session):
    connection = session.connection()
    statement = DriverStatement(_insert(AUDIT, KEYS))
    statement.execute(connection, _event(3, data={"none": None, "list": [1, "二"]}))
    stored = _stored(connection, "test_3")
    assert stored.data == {"none": None, "list": [1, "二"]}
    assert stored.at == AT and stored.at.tzinfo is not None


def test_rows_come_back_as_core_gives_them(session):
    connection = session.connection()
    DriverStatement(_insert(AUDIT, KEYS)).execute(connection, _event(4))
    query = select(*(AUDIT.c[k] for k in KEYS)).where(
        AUDIT.c.action == bindparam("action"),
        AUDIT.c.process_key.in_([literal(v, String) for v in ("p", "q")]))
    [row] = DriverStatement(query).rows(connection, {"action": "test_4"})
    assert row == tuple(connection.execute(query, {"action": "test_4"}).one())


def test_an_update_reports_its_rowcount(session):
    connection = session.connection()
    DriverStatement(_insert(AUDIT, KEYS)).execute(connection, _event(5))
    change = DriverStatement(update(AUDIT).where(AUDIT.c.action == bindparam("old"))
                             .values(bpmn_id=bindparam("bpmn_id", type_=String)))
    assert change.execute(connection, {"old": "test_5", "bpmn_id": "x"}).rowcount == 1
    assert change.execute(connection, {"old": "nothing", "bpmn_id": "x"}).rowcount == 0
    assert _stored(connection, "test_5").bpmn_id == "x"


def test_it_is_a_statement_of_the_connection(session, db_engine):
    seen: list[str] = []

    def listen(_conn, _cursor, statement, *_):
        seen.append(statement)

    connection = session.connection()
    event.listen(db_engine, "before_cursor_execute", listen)
    try:
        DriverStatement(_insert(AUDIT, KEYS)).execute(connection, _event(6))
    finally:
        event.remove(db_engine, "before_cursor_execute", listen)
    assert len(seen) == 1 and seen[0].startswith("INSERT INTO audit_event")


def test_a_refused_row_raises_sqlalchemys_error(session):
    connection = session.connection()
    note = {"idempotency_key": "same", "recipient_id": None, "kind": "k", "subject": "s",
            "body": "b", "created_at": AT, "language": "zh", "status": "pending",
            "attempts": 0, "channel": "mail"}
    keys = tuple(note)
    statement = DriverStatement(_insert(OUTBOX, keys))
    statement.execute(connection, note)
    nested = connection.begin_nested()
    with pytest.raises(IntegrityError):
        statement.execute(connection, note)
    nested.rollback()


def test_an_expanding_in_list_is_refused(session):
    query = select(AUDIT.c.id).where(AUDIT.c.action.in_(("a", "b")))
    with pytest.raises(ValueError, match="plain named parameters"):
        DriverStatement(query).execute(session.connection(), {})


def test_a_column_default_left_to_sqlalchemy_is_refused(session):
    keys = ("idempotency_key", "kind", "subject", "body", "created_at")  # no language, …
    with pytest.raises(ValueError, match="column defaults"):
        DriverStatement(_insert(OUTBOX, keys)).execute(session.connection(), {})


# --- On SQLite, sent to the driver directly when nothing watches (engine.sqlite_direct) ---
# Each case runs twice: as is (directly, on SQLite) and with a statement listener on the
# connection (the usual way), each in a savepoint rolled back after; both must agree.


@contextmanager
def _watched(connection: Connection) -> Iterator[list[str]]:
    """A statement listener on `connection` for the block: everything goes the usual way."""
    seen: list[str] = []

    def listen(_conn, _cursor, statement, *_):
        seen.append(statement)

    event.listen(connection, "before_cursor_execute", listen)
    try:
        yield seen
    finally:
        event.remove(connection, "before_cursor_execute", listen)


def _both(session, run: Callable[[Connection], Any]) -> list[Any]:
    """`run`'s answer sent directly and the usual way, each in a savepoint rolled back."""
    answers = []
    connection = session.connection()
    for watch in (False, True):
        savepoint = connection.begin_nested()
        try:
            with _watched(connection) if watch else nullcontext():
                answers.append(run(connection))
        finally:
            savepoint.rollback()
    return answers


def _typed(rows: Sequence[Sequence[Any]]) -> list[tuple[tuple[Any, type], ...]]:
    """Rows as (value, type) pairs: equal values of other types (1 and True) differ."""
    return [tuple((value, type(value)) for value in row) for row in rows]


def _failure(run: Callable[[], Any]) -> tuple[Any, ...]:
    """What `run` raises, as a caller can tell it apart."""
    with pytest.raises(Exception) as failed:  # noqa: PT011 - compared whole below
        run()
    error: Any = failed.value
    return (type(error), str(error), type(getattr(error, "orig", None)),
            getattr(getattr(error, "orig", None), "args", None),
            getattr(error, "statement", None), repr(getattr(error, "params", None)),
            getattr(error, "connection_invalidated", None))


def test_on_sqlite_nothing_watching_sends_to_the_driver(session, db_engine):
    connection = session.connection()
    statement = DriverStatement(_insert(AUDIT, KEYS).returning(AUDIT.c.id))
    written = statement.execute(connection, _event(7))
    [row] = DriverStatement(select(AUDIT.c.id).where(AUDIT.c.action == bindparam("a"))
                            ).rows(connection, {"a": "test_7"})
    direct = db_engine.dialect.name == "sqlite"
    assert isinstance(written, Written) is direct
    assert isinstance(written, CursorResult) is not direct
    assert (type(row) is tuple) is direct
    assert row[0] == written.scalar_one()


def test_returned_rows_are_the_usual_ones_value_by_value(session):
    audit = DriverStatement(_insert(AUDIT, KEYS).returning(*AUDIT.c))
    events = [_event(8), _event(9, data=None, bpmn_id="中", actor_id=None),
              _event(10, data=[1, None, {"x": 1.5}], at=datetime(2026, 1, 1, tzinfo=UTC))]
    direct, usual = _both(session, lambda c: [
        audit.rows(c, values)[0][1:] for values in events])  # ids differ: rolled back
    assert _typed(direct) == _typed(usual)
    assert direct[0][KEYS.index("data")] == {"n": 8, "t": "文"}


def test_the_commands_statements_answer_as_the_usual_way(session, kf, users, deploy):
    deploy("reference_workload")
    manager = users["senior_manager"]
    instance = kf.start_instance(session, "keyflow_bench_five_step", manager)
    task = session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id)).one()
    session.flush()
    postgres = is_postgres(session)
    lock = _LOCK_AND_READ_POSTGRES if postgres else _LOCK_AND_READ
    direct, usual = _both(session, lambda c: lock.rows(c, {"task_id": task.id}))
    assert len(direct) == 1 and _typed(direct) == _typed(usual)

    stored = session.connection().execute(select(*TASKS.c).where(TASKS.c.id == task.id)).one()
    params = {name: getattr(stored, key) for key, name in _names(0, with_id=True)}
    params.update({name: getattr(stored, key) for key, name in _names(1, with_id=False)})
    params["state_0"] = "completed"
    upsert = _upsert("postgresql" if postgres else "sqlite", (True, False))
    direct, usual = _both(session, lambda c: sorted(
        (row[1:] for row in upsert.rows(c, params)), key=str))  # without the new row's id
    assert len(direct) == 2 and _typed(direct) == _typed(usual)

    def update_instance(c):
        update = _update_instance(("status",))
        return [update.execute(c, {"id_": instance.id, "old_version_": version,
                                   "new_version_": version + 1, "status": "running"}).rowcount
                for version in (instance.version, instance.version)]

    assert _both(session, update_instance) == [[1, 0], [1, 0]]


def test_scalar_one_answers_as_a_result_does(session):
    keyed = DriverStatement(update(AUDIT).where(AUDIT.c.process_key == bindparam("key"))
                            .values(bpmn_id=bindparam("b", type_=String)).returning(AUDIT.c.id))

    def run(c):
        DriverStatement(_insert(AUDIT, KEYS)).execute(c, _event(11, process_key="two"))
        DriverStatement(_insert(AUDIT, KEYS)).execute(c, _event(12, process_key="two"))
        return (_failure(lambda: keyed.execute(c, {"key": "none", "b": "x"}).scalar_one()),
                _failure(lambda: keyed.execute(c, {"key": "two", "b": "x"}).scalar_one()))

    direct, usual = _both(session, run)
    assert direct == usual
    assert direct[0][0] is NoResultFound and direct[1][0] is MultipleResultsFound


def test_a_refused_row_fails_as_usual_and_leaves_the_savepoint_as_usual(session):
    note = {"idempotency_key": "again", "recipient_id": None, "kind": "k", "subject": "s",
            "body": "b", "created_at": AT, "language": "zh", "status": "pending",
            "attempts": 0, "channel": "mail"}
    statement = DriverStatement(_insert(OUTBOX, tuple(note)))
    returning = DriverStatement(_insert(OUTBOX, tuple(note)).returning(OUTBOX.c.id))
    count = select(func.count()).select_from(OUTBOX).where(OUTBOX.c.kind == "k")

    def run(c):
        statement.execute(c, note)
        first = _failure(lambda: statement.execute(c, note))
        if c.dialect.name == "postgresql":
            return [first]  # its transaction is aborted now: nothing more runs in it
        second = _failure(lambda: returning.rows(c, note))
        statement.execute(c, {**note, "idempotency_key": "other"})  # the savepoint goes on
        return [first, second, c.in_transaction(), c.invalidated,
                c.connection.driver_connection.in_transaction, c.execute(count).scalar_one()]

    direct, usual = _both(session, run)
    assert direct == usual
    assert all(failure[0] is IntegrityError for failure in direct[:2])
    if not is_postgres(session):
        assert direct[2:] == [True, False, True, 2]


def test_a_nul_character_is_treated_as_usual(session):
    statement = DriverStatement(_insert(AUDIT, KEYS))
    nul = _event(13, bpmn_id="a\x00b", data={"s": "c\x00d"})

    def run(c):
        if c.dialect.name == "postgresql":
            return _failure(lambda: statement.execute(c, nul))
        statement.execute(c, nul)
        return tuple(_stored(c, "test_13"))

    direct, usual = _both(session, run)
    assert direct == usual


def test_a_value_a_bind_cannot_convert_fails_as_usual(session):
    statement = DriverStatement(_insert(AUDIT, KEYS).returning(AUDIT.c.id))
    unstorable = _event(14, data={"x": object()})
    direct, usual = _both(session, lambda c: (
        _failure(lambda: statement.rows(c, unstorable)),
        _failure(lambda: statement.execute(c, unstorable))))
    assert direct == usual
    if not is_postgres(session):  # (psycopg serializes JSON itself, when sending)
        assert direct[0][0] is StatementError and direct[1][0] is TypeError


# A table of its own on a SQLite file: booleans, enums, a lock held by another connection.
_PROBE = Table("probe", MetaData(), Column("id", Integer, primary_key=True),
               Column("flag", Boolean), Column("kind", Enum(TaskStatus, native_enum=False)),
               Column("at", UTCDateTime()), Column("doc", JSONDocument))


@pytest.fixture
def probe_engine(tmp_path):
    engine = make_db_engine(f"sqlite:///{tmp_path / 'probe.db'}")
    _PROBE.create(engine)
    yield engine
    engine.dispose()


def test_booleans_and_enums_come_back_as_usual(probe_engine):
    inserting = sqlite_insert(_PROBE).values(
        {c.key: bindparam(c.key, type_=c.type) for c in _PROBE.c})
    upsert = DriverStatement(inserting.on_conflict_do_update(
        index_elements=[_PROBE.c.id], set_={"flag": inserting.excluded.flag}
    ).returning(*_PROBE.c))
    rows = [{"id": 1, "flag": True, "kind": TaskStatus.READY, "at": AT, "doc": {"a": 1}},
            {"id": 2, "flag": False, "kind": TaskStatus.COMPLETED, "at": None, "doc": None},
            {"id": 2, "flag": None, "kind": None, "at": AT, "doc": [None]}]
    answers = []
    for watch in (False, True):
        with probe_engine.connect() as connection, connection.begin() as transaction:
            with _watched(connection) if watch else nullcontext():
                answers.append([upsert.rows(connection, row)[0] for row in rows])
            transaction.rollback()
    direct, usual = answers
    assert all(type(row) is tuple for row in direct)
    assert _typed(direct) == _typed(usual)
    assert direct[0][1:3] == (True, TaskStatus.READY)


def test_a_lock_timeout_fails_as_usual(probe_engine):
    insert_row = DriverStatement(insert(_PROBE).values(id=bindparam("id", type_=Integer)))
    outcomes = []
    with probe_engine.connect() as holder, holder.begin():  # BEGIN IMMEDIATE: the write lock
        for watch in (False, True):
            with probe_engine.connect() as reader:
                reader.connection.driver_connection.execute("PRAGMA busy_timeout=20")
                reader = reader.execution_options(**{READS_ONLY: True})
                with reader.begin(), _watched(reader) if watch else nullcontext():
                    reader.execute(select(_PROBE.c.id)).all()  # a deferred read transaction
                    failure = _failure(partial(insert_row.execute, reader, {"id": 1}))
                    outcomes.append((failure, reader.in_transaction(),
                                     reader.connection.driver_connection.in_transaction))
    direct, usual = outcomes
    assert direct == usual
    assert direct[0][0] is OperationalError and "locked" in direct[0][1]


def test_a_driver_hook_or_a_log_of_statements_sees_them(probe_engine, caplog):
    statement = DriverStatement(insert(_PROBE).values(id=bindparam("id", type_=Integer)))
    read = DriverStatement(select(_PROBE.c.id).where(_PROBE.c.id == bindparam("id")))
    sent: list[str] = []

    def do_execute(_cursor, sql, _params, _context):
        sent.append(sql)  # and lets the dialect send it

    event.listen(probe_engine, "do_execute", do_execute)
    try:
        with probe_engine.connect() as connection, connection.begin():
            statement.execute(connection, {"id": 1})
            assert read.rows(connection, {"id": 1}) == [(1,)]
    finally:
        event.remove(probe_engine, "do_execute", do_execute)
    assert [sql.split()[0] for sql in sent] == ["BEGIN", "INSERT", "SELECT"]

    probe_engine.echo = True
    try:
        with caplog.at_level(logging.INFO, "sqlalchemy.engine"), probe_engine.connect() as \
                connection, connection.begin():
            statement.execute(connection, {"id": 2})
            read.rows(connection, {"id": 2})
    finally:
        probe_engine.echo = False
    logged = [r.getMessage().split()[0] for r in caplog.records]
    assert "INSERT" in logged and "SELECT" in logged
