"""Statements compiled once and sent as driver SQL (engine.driver_sql) write and read what the
same Core statements do, on SQLite and PostgreSQL, as statements of the Connection."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

import pytest
from sqlalchemy import String, Table, bindparam, event, insert, literal, select, update
from sqlalchemy.exc import IntegrityError

from engine.driver_sql import DriverStatement
from engine.models import AuditEvent, Notification

AUDIT = cast(Table, AuditEvent.__table__)
OUTBOX = cast(Table, Notification.__table__)
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
