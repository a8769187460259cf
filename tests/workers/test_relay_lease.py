"""Relays lease a batch in one statement (engine/mail/relay.py): two relays at once never send
a row twice, a leased row waits for its relay, a dead relay's lease runs out and its rows go
out, a batch that stops hands its rows back, and each mail costs one statement."""

from __future__ import annotations

import logging
import socket
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from engine.accounts import create_user
from engine.customer_links import LinkSigner
from engine.db import make_db_engine, make_session_factory
from engine.mail import LEASE, MailComposer, Outcome, SmtpMailer, lease_due, record_outcome
from engine.models import Notification
from engine.outbox import queue_notification
from engine.reminders import PolicyBook, ReminderConfig
from engine.settings import Settings
from engine.workflow_engine import WorkflowEngine
from workers.context import WorkerContext
from workers.tasks import relay_batch

LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def context(sessions: sessionmaker[Session], clock, port: int, batch: int = 200
            ) -> WorkerContext:
    """What one relay process holds: its settings, sessions and engine."""
    url = sessions.kw["bind"].url.render_as_string(hide_password=False)
    settings = Settings(database_url=url, smtp_url=f"smtp://127.0.0.1:{port}",
                        relay_batch=batch)
    engine = WorkflowEngine(clock=clock)
    return WorkerContext(settings, sessions, engine, PolicyBook(engine.runtime.specs),
                         LinkSigner(b"k"), MailComposer(settings.base_url, "kf@kf.test"),
                         ReminderConfig.from_settings(settings))


def queue(sessions: sessionmaker[Session], clock, n: int) -> list[str]:
    keys = [f"m:{i:03d}" for i in range(n)]
    with sessions.begin() as s:
        user = create_user(s, clock, "li", ["clerk"], email="li@example.test")
        for key in keys:
            queue_notification(s, key=key, recipient=user, kind="task_overdue", subject=key,
                               body="x", now=clock.now())
    return keys


def relay(ctx: WorkerContext) -> int:
    mailer = SmtpMailer(ctx.settings.smtp_url or "")
    try:
        return relay_batch(ctx, mailer)
    finally:
        mailer.close()


def rows(sessions: sessionmaker[Session]) -> dict[str, Notification]:
    with sessions() as s:
        return {n.idempotency_key: n for n in s.scalars(select(Notification))}


def test_two_relays_at_once_send_each_row_once(database, smtp, clock):
    url, sessions = database
    keys = queue(sessions, clock, 30)
    smtp.rcpt_delay = 0.03  # slow enough that both relays hold batches at the same time
    sent: dict[str, int] = {}
    start = threading.Barrier(2)

    def run(name: str) -> None:
        db = make_db_engine(url)  # a process of its own: its own pool
        ctx = context(make_session_factory(db), clock, smtp.port, batch=4)
        start.wait(timeout=30)
        sent[name] = 0
        while (done := relay(ctx)):
            sent[name] += done
        db.dispose()

    threads = [threading.Thread(target=run, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert Counter(smtp.keys()) == Counter(keys)  # every row once, none twice
    assert sent["a"] > 0 and sent["b"] > 0 and sent["a"] + sent["b"] == len(keys)
    assert {(r.status, r.attempts, r.leased_until) for r in rows(sessions).values()} == {
        ("sent", 1, None)}


def test_rows_being_leased_are_skipped_not_waited_for(committed_pg, clock):
    """PostgreSQL: a lease not yet committed holds its rows; a second relay takes others."""
    queue(committed_pg, clock, 6)
    with committed_pg() as first, committed_pg() as second:
        mine = lease_due(first, clock.now(), 4)  # not committed yet
        second.execute(text("SET LOCAL lock_timeout = '10s'"))  # fail, rather than hang
        theirs = lease_due(second, clock.now(), 4)
        assert len(mine) == 4 and len(theirs) == 2
        assert not {m.id for m in mine} & {m.id for m in theirs}
        first.commit()
        second.commit()
    with committed_pg() as third:
        assert lease_due(third, clock.now(), 4) == []  # all leased, none due


def test_a_dead_relays_rows_go_out_when_its_lease_runs_out(database, smtp, clock):
    _, sessions = database
    keys = queue(sessions, clock, 3)
    with sessions.begin() as s:
        assert len(lease_due(s, clock.now(), 10)) == 3  # then the relay died
    ctx = context(sessions, clock, smtp.port)
    clock.advance(days=1)  # the engine's clock does not end a lease: the database's does
    assert relay(ctx) == 0 and smtp.keys() == []
    with sessions.begin() as s:  # the lease over by the database's clock
        s.execute(update(Notification).values(leased_until=LONG_AGO))
    assert relay(ctx) == 3
    assert sorted(smtp.keys()) == keys


def test_a_lease_runs_for_its_time_by_the_databases_clock(database, clock):
    _, sessions = database
    queue(sessions, clock, 2)
    with sessions.begin() as s:  # one lease still running, one already over
        (running,) = lease_due(s, clock.now(), 1)
        (over,) = lease_due(s, clock.now(), 1, lease=timedelta(seconds=-1))
    assert running.leased_until - over.leased_until > LEASE - timedelta(seconds=30)
    with sessions.begin() as s:
        assert [m.id for m in lease_due(s, clock.now(), 10)] == [over.id]


def test_a_stopped_batch_hands_its_rows_back(database, smtp, clock):
    _, sessions = database
    keys = queue(sessions, clock, 3)
    away = context(sessions, clock, free_port())  # nobody listens: the batch stops
    assert relay(away) == 0
    found = rows(sessions)
    tried = [k for k, r in found.items() if r.attempts]
    assert len(tried) == 1 and found[tried[0]].next_attempt_at == clock.now() + \
        timedelta(minutes=1)
    assert all(r.leased_until is None for r in found.values())
    assert relay(context(sessions, clock, smtp.port)) == 2  # due at once, not after the lease
    assert sorted(smtp.keys()) == sorted(set(keys) - set(tried))


def test_an_outcome_never_overwrites_another_relays(database, clock, caplog):
    _, sessions = database
    queue(sessions, clock, 1)
    with sessions.begin() as s:
        (mail,) = lease_due(s, clock.now(), 1)
    with sessions.begin() as s:  # the lease ran out and another relay sent it
        s.execute(update(Notification).values(status="sent", sent_at=clock.now()))
    with caplog.at_level(logging.ERROR), sessions.begin() as s:
        record_outcome(s, mail, Outcome("failed", 1, "550 refused"))
    (row,) = rows(sessions).values()
    assert (row.status, row.last_error) == ("sent", None)
    assert "finished by another relay" in caplog.text


@pytest.mark.parametrize("count", [1, 10])
def test_each_mail_is_one_statement(database, smtp, clock, count):
    """One lease for the batch, then one UPDATE a mail: nothing is read per mail."""
    url, sessions = database
    queue(sessions, clock, count)
    db = make_db_engine(url)
    statements: list[str] = []
    event.listen(db, "before_cursor_execute",
                 lambda conn, cursor, statement, *args: statements.append(statement))
    assert relay(context(make_session_factory(db), clock, smtp.port)) == count
    db.dispose()
    sent = [s for s in statements if not s.lstrip().upper().startswith(("BEGIN", "COMMIT"))]
    assert len(sent) == 1 + count, sent
    assert len(smtp.keys()) == count
