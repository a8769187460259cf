"""The worker's relay over one kept SMTP connection, against a real SMTP server (aiosmtpd):
each mail is committed on its own; a connection found dropped is replaced and only that mail
sent again; one lost during DATA is retried later, alone; a poisoned mail among healthy ones
is one failed row and the connection goes on."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from email import policy as email_policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from sqlalchemy import select

from engine.accounts import create_user
from engine.customer_links import LinkSigner
from engine.db import make_db_engine, make_session_factory
from engine.mail import MailComposer
from engine.models import Base, Notification
from engine.outbox import queue_notification
from engine.reminders import PolicyBook, ReminderConfig
from engine.settings import Settings
from engine.workflow_engine import WorkflowEngine
from workers.context import WorkerContext, use_context

POISON = "poison@example.test"


class Server:
    """aiosmtpd handler: records messages and the connection each came on; drops a connection
    at MAIL or at DATA of the n-th message when told; refuses POISON for good."""

    def __init__(self) -> None:
        self.received: list[tuple[str, object]] = []  # (key, peer)
        self.mails = 0
        self.drop_at_mail: int | None = None
        self.drop_at_data: int | None = None

    async def handle_MAIL(self, server, session, envelope, address, options):  # noqa: N802
        self.mails += 1
        if self.mails == self.drop_at_mail:
            server.transport.close()
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: N802
        if address == POISON:
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        if self.mails == self.drop_at_data:
            self.drop_at_data = None
            server.transport.close()
            return "451 never seen"
        message = BytesParser(policy=email_policy.default).parsebytes(envelope.content)
        self.received.append((str(message["X-Keyflow-Key"]), session.peer))
        return "250 Message accepted"

    def keys(self) -> list[str]:
        return sorted(key for key, _ in self.received)

    def connections(self) -> int:
        return len({peer for _, peer in self.received})


@pytest.fixture
def server() -> Iterator[Server]:
    from aiosmtpd.controller import Controller

    handler = Server()
    with socket.socket() as probe:  # a port free a moment ago
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    handler.port = port  # type: ignore[attr-defined]
    yield handler
    controller.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def sessions(request, tmp_path: Path):
    if request.param == "sqlite":
        db = make_db_engine(f"sqlite:///{tmp_path / 'kf.db'}")
        Base.metadata.create_all(db)
        yield make_session_factory(db)
        db.dispose()
        return
    yield request.getfixturevalue("committed_pg")


@pytest.fixture
def relay(sessions, server, clock):
    """The worker's relay task on these sessions and this server; returns mails sent."""
    from workers.tasks import relay as relay_task

    url = sessions.kw["bind"].url.render_as_string(hide_password=False)
    settings = Settings(database_url=url, smtp_url=f"smtp://127.0.0.1:{server.port}")
    engine = WorkflowEngine(clock=clock)
    use_context(WorkerContext(settings, sessions, engine, PolicyBook(engine.runtime.specs),
                              LinkSigner(b"k"), MailComposer(settings.base_url, "kf@kf.test"),
                              ReminderConfig.from_settings(settings)))
    yield relay_task
    use_context(None)


def queue(sessions, clock, n: int, poisoned: int | None = None) -> list[str]:
    keys = [f"m:{i:02d}" for i in range(n)]
    with sessions.begin() as s:
        good = create_user(s, clock, "li", ["clerk"], email="li@example.test")
        bad = create_user(s, clock, "po", ["clerk"], email=POISON)
        for i, key in enumerate(keys):
            queue_notification(s, key=key, recipient=bad if i == poisoned else good,
                               kind="task_overdue", subject=key, body="x", now=clock.now())
            clock.advance(seconds=1)
    return keys


def rows(sessions) -> dict[str, Notification]:
    with sessions() as s:
        return {n.idempotency_key: n for n in s.scalars(select(Notification))}


def test_one_connection_for_the_batch_and_each_mail_committed(sessions, server, relay, clock):
    keys = queue(sessions, clock, 12)
    assert relay() == 12
    assert server.keys() == keys and server.connections() == 1
    assert {(r.status, r.attempts) for r in rows(sessions).values()} == {("sent", 1)}


def test_a_dropped_connection_is_replaced_and_only_that_mail_sent_again(sessions, server, relay,
                                                                         clock):
    keys = queue(sessions, clock, 10)
    server.drop_at_mail = 4  # the 4th message finds its connection gone before DATA
    assert relay() == 10
    assert server.keys() == keys  # each once: the dropped one again, on the new connection
    assert server.connections() == 2
    assert {(r.status, r.attempts) for r in rows(sessions).values()} == {("sent", 1)}


def test_a_connection_lost_during_data_retries_that_mail_alone(sessions, server, relay, clock):
    keys = queue(sessions, clock, 8)
    server.drop_at_data = 3
    assert relay() == 7  # the others go on, on a new connection
    lost = rows(sessions)[keys[2]]
    assert lost.status == "pending" and lost.attempts == 1
    assert "connection lost while sending" in lost.last_error
    assert server.keys() == sorted(set(keys) - {keys[2]})
    clock.advance(minutes=1)
    assert relay() == 1
    assert server.keys() == keys


def test_a_poisoned_mail_among_healthy_ones_is_one_failed_row(sessions, server, relay, clock):
    keys = queue(sessions, clock, 9, poisoned=4)
    assert relay() == 8
    assert relay() == 0
    found = rows(sessions)
    failed = [k for k, r in found.items() if r.status == "failed"]
    assert failed == [keys[4]] and found[keys[4]].last_error.startswith("550")
    assert server.keys() == sorted(set(keys) - {keys[4]}) and server.connections() == 1
