"""Worker fixtures: the engine on the movable clock, users in both languages, the tick."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from email import policy as email_policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from engine.accounts import create_user
from engine.clock import MovableClock
from engine.customer_links import LinkSigner
from engine.db import make_db_engine, make_session_factory
from engine.deployment import Bundle
from engine.models import Base, Notification, User
from engine.reminders import PolicyBook, ReminderConfig, TickResult, write_reminders
from engine.workflow_engine import WorkflowEngine

HERE = Path(__file__).parent
TEST_DATA = HERE.parent / "data"
WORKER_DATA = HERE / "data"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def bundle_path(name: str) -> Path:
    """A bundle of tests/workers/data, else of tests/data."""
    return WORKER_DATA / name if (WORKER_DATA / name).exists() else TEST_DATA / name


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path
             ) -> Iterator[tuple[str, sessionmaker[Session]]]:
    """(URL, session factory) of a database whose commits are real (SQLite file, and the
    PostgreSQL test database emptied before and after)."""
    if request.param == "postgresql":
        sessions: sessionmaker[Session] = request.getfixturevalue("committed_pg")
        yield sessions.kw["bind"].url.render_as_string(False), sessions
        return
    url = f"sqlite:///{tmp_path / 'keyflow.db'}"
    db = make_db_engine(url)
    Base.metadata.create_all(db)
    yield url, make_session_factory(db)
    db.dispose()


@pytest.fixture
def kf(clock: MovableClock) -> WorkflowEngine:
    """The engine under test, reading the movable clock."""
    return WorkflowEngine(clock=clock, script_time_limit=10.0)


@pytest.fixture
def people(session: Session, clock: MovableClock) -> dict[str, User]:
    """manager (en), head (zh), head2 (en), director (zh), clerk without an address."""
    spec = {"manager": (["senior_manager"], "en"), "head": (["dept_head"], "zh"),
            "head2": (["dept_head"], "en"), "director": (["marketing_director"], "zh"),
            "finance": (["finance"], "zh")}
    made = {name: create_user(session, clock, name, roles, email=f"{name}@example.test",
                              language=lang) for name, (roles, lang) in spec.items()}
    made["clerk"] = create_user(session, clock, "clerk", ["clerk"])
    session.commit()
    return made


@pytest.fixture
def deployed(session: Session, kf: WorkflowEngine) -> Callable[[str], None]:
    """Deploy a test bundle by folder name and commit."""

    def _deploy(name: str) -> None:
        kf.deploy(session, Bundle.from_folder(bundle_path(name)))
        session.commit()

    return _deploy


@pytest.fixture
def signer() -> LinkSigner:
    """A link signer with a fixed test key."""
    return LinkSigner(b"test-key-for-customer-links")


@pytest.fixture
def tick(session: Session, kf: WorkflowEngine, signer: LinkSigner) -> Callable[[], TickResult]:
    """Fire due timers, then write reminders, as the worker's tasks do; commit each."""
    book = PolicyBook(kf.runtime.specs)
    config = ReminderConfig(SHANGHAI, None, "http://kf.test", timedelta(days=7))

    def _tick() -> TickResult:
        kf.fire_due_timers(session)
        session.commit()
        result = write_reminders(session, kf.runtime, book, signer, config)
        session.commit()
        return result

    _tick.config = config  # type: ignore[attr-defined]
    _tick.book = book  # type: ignore[attr-defined]
    return _tick


@pytest.fixture
def outbox(session: Session) -> Callable[..., list[Notification]]:
    """Outbox rows (of one kind), in key order."""

    def _outbox(kind: str | None = None) -> list[Notification]:
        query = select(Notification).order_by(Notification.idempotency_key)
        if kind:
            query = query.where(Notification.kind == kind)
        return list(session.scalars(query.execution_options(populate_existing=True)))

    return _outbox


class SmtpRecorder:
    """An aiosmtpd handler that records messages and refuses or stalls when told to."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.rcpt_reply: str | None = None  # e.g. "451 4.3.0 try later"
        self.rcpt_delay = 0.0
        self.rcpt_seen = 0
        self.rcpt_event = threading.Event()
        self.port = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        """Refuse, stall, or accept a recipient."""
        self.rcpt_seen += 1
        self.rcpt_event.set()
        if self.rcpt_delay:
            await asyncio.sleep(self.rcpt_delay)
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        """Keep the message."""
        parsed = BytesParser(policy=email_policy.default).parsebytes(envelope.content)
        self.messages.append(parsed)  # type: ignore[arg-type]
        return "250 Message accepted"

    def keys(self) -> list[str]:
        """The X-Keyflow-Key of every message received, in order."""
        return [str(m["X-Keyflow-Key"]) for m in self.messages]


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[SmtpRecorder]:
    """A real SMTP server on loopback (aiosmtpd in a thread)."""
    from aiosmtpd.controller import Controller

    recorder = SmtpRecorder()
    recorder.port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=recorder.port)
    controller.start()
    yield recorder
    controller.stop()
