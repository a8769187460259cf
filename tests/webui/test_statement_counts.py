"""SQL statements per API call (issue 12): a budget per call, on SQLite and PostgreSQL.

A listener on the app's real database engine records what each request sends: statements
(BEGIN, COMMIT, SAVEPOINT and RELEASE not counted; a pool ping is), transaction ends, and
SQLite's write locks (`BEGIN IMMEDIATE`). The calls are those of the reference workload
(tests/data/reference_workload, a copy of ../shared/bench/workload): start, inbox, fetch,
submit, status. Counts are behaviour, not timing: a new query on the hot path fails here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, select
from webui_env import DATA

from engine.accounts import create_token, get_user
from engine.deployment import Bundle
from engine.models import ApiToken

PROCESS = "keyflow_bench_five_step"
NOT_COUNTED = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")
WRITES = ("INSERT", "UPDATE", "DELETE")
READ_BUDGET, SUBMIT_BUDGET = 3, 6  # issue 12's targets
# What each call sends today (bench.sql_counts): a change that adds a statement to the hot
# path shows up here first, before it reaches the budget.
TODAY = {"start": 7, "inbox": 1, "fetch": 1, "submit": 5, "status": 2}


@dataclass
class Call:
    """What one request sent: its statements, and every event in order."""

    request: str
    statements: list[str] = field(default_factory=list)
    events: list[str] = field(default_factory=list)  # statements, "begin…", "end"
    write_locks: int = 0

    def writes(self) -> list[str]:
        """The statements that change rows."""
        return [s for s in self.statements if s.lstrip().upper().startswith(WRITES)]


class Recorder:
    """Listens on an Engine; `call()` runs one request and returns what it sent."""

    def __init__(self, app: Flask, token: str) -> None:
        self.client = app.test_client()
        self.headers = {"Authorization": f"Bearer {token}"}
        self.current: Call | None = None
        engine = app.extensions["keyflow.db_engine"]
        event.listen(engine, "before_cursor_execute", self._statement)
        event.listen(engine, "commit", lambda _conn: self._event("end"))
        event.listen(engine, "rollback", lambda _conn: self._event("end"))
        ping = engine.dialect.do_ping

        def counted_ping(dbapi_connection: Any) -> bool:
            self._statement(None, None, "SELECT 1 -- pool ping")
            return bool(ping(dbapi_connection))

        engine.dialect.do_ping = counted_ping

    def _event(self, what: str) -> None:
        if self.current is not None:
            self.current.events.append(what)

    def _statement(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if self.current is None:
            return
        head = statement.lstrip().upper()
        if head.startswith("BEGIN IMMEDIATE"):
            self.current.write_locks += 1
        self.current.events.append(statement if not head.startswith(NOT_COUNTED) else head)
        if not head.startswith(NOT_COUNTED):
            self.current.statements.append(statement)

    def call(self, method: str, path: str, body: Any = None) -> tuple[Any, Call]:
        """One API request; its JSON and what it sent to the database."""
        self.current = Call(f"{method} {path}")
        try:
            response = self.client.open(path, method=method, json=body, headers=self.headers)
        finally:
            call, self.current = self.current, None
        assert response.status_code in (200, 201), (call.request, response.get_json())
        return response.get_json(), call

    def run_instance(self) -> dict[str, list[Call]]:
        """The reference workload's calls for one instance, grouped by kind."""
        calls: dict[str, list[Call]] = {k: [] for k in ("start", "inbox", "fetch", "submit",
                                                         "status")}
        started, call = self.call("POST", f"/api/processes/{PROCESS}/instances", {})
        calls["start"].append(call)
        first = True
        while True:
            inbox, call = self.call("GET", f"/api/tasks?scope=mine&process={PROCESS}")
            calls["inbox"].append(call)
            mine = [t for t in inbox["tasks"] if t["instance_id"] == started["id"]]
            if not mine:
                break
            task, call = self.call("GET", f"/api/tasks/{mine[0]['id']}")
            calls["fetch"].append(call)
            reply, call = self.call("POST", f"/api/tasks/{task['id']}/complete",
                                    {"data": {"volume": 6000} if first else {}})
            assert reply["state"] == "completed" and reply["id"] == task["id"]
            calls["submit"].append(call)
            first = False
        final, call = self.call("GET", f"/api/instances/{started['id']}")
        calls["status"].append(call)
        assert final["status"] == "completed" and len(calls["submit"]) == 5
        return calls


@pytest.fixture(params=["sqlite", "postgresql"])
def workload_app(request: pytest.FixtureRequest) -> Iterator[tuple[Flask, str]]:
    """An app (SQLite or PostgreSQL) with the reference workload deployed by a process owner
    (as from the studio: the definition names its deployer); the senior manager's token."""
    app: Flask = request.getfixturevalue("app" if request.param == "sqlite" else "pg_app")
    kf = app.extensions["keyflow.engine"]
    with app.extensions["keyflow.sessions"]() as session:
        kf.deploy(session, Bundle.from_folder(DATA / "reference_workload"),
                  get_user(session, "process_owner"))
        token = create_token(session, kf.clock, get_user(session, "senior_manager"), "t")
        session.commit()
    yield app, token


def test_each_call_stays_within_its_statement_budget(workload_app):
    app, token = workload_app
    recorder = Recorder(app, token)
    recorder.run_instance()  # warm: spec cache, first connection, the token's first use
    calls = recorder.run_instance()
    counts = {kind: max(len(c.statements) for c in made) for kind, made in calls.items()}
    assert counts["submit"] <= SUBMIT_BUDGET, calls["submit"][0].statements
    for kind in ("inbox", "fetch", "status"):
        assert counts[kind] <= READ_BUDGET, (kind, calls[kind][0].statements)
    for kind, most in TODAY.items():
        assert counts[kind] <= most, (kind, [c.statements for c in calls[kind]])


def test_reads_write_nothing_and_never_take_the_write_lock(workload_app):
    app, token = workload_app
    recorder = Recorder(app, token)
    recorder.run_instance()
    calls = recorder.run_instance()
    for kind in ("inbox", "fetch", "status"):
        for call in calls[kind]:
            assert call.writes() == [] and call.write_locks == 0, (call.request, call.events)
    sqlite = app.extensions["keyflow.db_engine"].dialect.name == "sqlite"
    for call in calls["start"] + calls["submit"]:
        assert call.write_locks == (1 if sqlite else 0), call.events


def test_a_command_answers_without_reading_again(workload_app):
    app, token = workload_app
    recorder = Recorder(app, token)
    recorder.run_instance()
    for call in recorder.run_instance()["submit"]:
        # One transaction, and nothing read once the writing began.
        assert call.events.count("end") == 1, call.events
        first_write = next(i for i, s in enumerate(call.statements)
                           if s.lstrip().upper().startswith(WRITES))
        assert not any(s.lstrip().upper().startswith("SELECT")
                       for s in call.statements[first_write:]), call.statements


def _last_used(app: Flask) -> Any:
    with app.extensions["keyflow.sessions"]() as session:
        return session.scalars(select(ApiToken.last_used_at)).one()


def test_token_use_is_written_once_a_minute_in_a_transaction_of_its_own(workload_app):
    app, token = workload_app
    clock = app.extensions["keyflow.engine"].clock
    recorder = Recorder(app, token)
    assert _last_used(app) is None
    _, first = recorder.call("GET", "/api/tasks")
    assert _last_used(app) == clock.now()
    # The request's transaction wrote nothing and ended; the use went in one of its own.
    events = [e for e in first.events if not e.startswith("BEGIN")]
    write = next(i for i, e in enumerate(events) if e.upper().startswith("UPDATE API_TOKEN"))
    assert events[write - 1] == "end" and events[:write].count("end") == 1, first.events
    assert events[write + 1:] == ["end"], first.events
    used = clock.now()
    clock.advance(seconds=59)
    _, second = recorder.call("GET", "/api/tasks")
    assert second.writes() == [] and _last_used(app) == used
    clock.advance(seconds=1)
    _, third = recorder.call("GET", "/api/tasks")
    assert len(third.writes()) == 1 and _last_used(app) == used + timedelta(seconds=60)
