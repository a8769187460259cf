"""The API's read calls (inbox, fetch, status) read on a bare connection (engine.db.Reading):
no ORM Session when the caller's token is cached, one connection per request."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session
from test_statement_counts import Recorder, workload_app  # noqa: F401 (a fixture)

from engine.db import READS_ONLY


def test_the_read_calls_read_on_the_read_sessions_engine(app):
    # webui.context.reads reads on the engine the app registers for it: the read sessions'
    # own (sessionmaker keeps its arguments in `kw`), which begins deferred.
    engine = app.extensions["keyflow.read_engine"]
    assert engine is app.extensions["keyflow.read_sessions"].kw["bind"]
    assert engine.get_execution_options().get(READS_ONLY) is True


def test_cached_token_reads_open_no_orm_session(workload_app):  # noqa: F811
    app, token = workload_app
    recorder = Recorder(app, token)
    recorder.run_instance()  # warm: the token is cached now
    begun: list[Any] = []

    def orm_begin(session: Session, *_: Any) -> None:
        begun.append(session)

    event.listen(Session, "after_begin", orm_begin)
    try:
        calls = recorder.run_instance()
    finally:
        event.remove(Session, "after_begin", orm_begin)
    # Only the commands' sessions (start, five submits) and the one writing the token's use
    # after the first request (if it was due) begin ORM transactions; the reads' never do.
    sessions = {id(s) for s in begun}
    assert len(sessions) <= 1 + len(calls["start"]) + len(calls["submit"])
    for kind in ("inbox", "fetch", "status"):
        for call in calls[kind]:
            assert call.events.count("end") == 1, (call.request, call.events)
