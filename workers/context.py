"""What a worker process needs, built once per process (after a prefork fork, not before)."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from engine.chat.sender import ChatPoster
from engine.customer_links import LinkSigner, link_key
from engine.db import make_db_engine, make_session_factory
from engine.mail import MailComposer
from engine.reminders import PolicyBook, ReminderConfig
from engine.settings import Settings, current_settings
from engine.workflow_engine import WorkflowEngine

from .clock import clock_for


@dataclass
class WorkerContext:
    """Settings, sessions, the engine and the reminder collaborators of one process."""

    settings: Settings
    sessions: sessionmaker[Session]
    engine: WorkflowEngine
    book: PolicyBook
    signer: LinkSigner
    composer: MailComposer
    config: ReminderConfig
    chat: ChatPoster | None = None  # posts chat rows (engine/chat); build() always makes one

    @classmethod
    def build(cls, settings: Settings) -> WorkerContext:
        """Connect to the database and assemble the collaborators."""
        engine = WorkflowEngine(clock=clock_for(settings),
                                script_time_limit=settings.script_time_limit)
        return cls(
            settings=settings,
            sessions=make_session_factory(make_db_engine(settings.database_url)),
            engine=engine,
            book=PolicyBook(engine.runtime.specs),
            signer=LinkSigner(link_key(settings)),
            composer=MailComposer(settings.base_url, settings.mail_from),
            config=ReminderConfig.from_settings(settings),
            chat=ChatPoster.from_settings(settings),
        )

    def close(self) -> None:
        """Close the database connections."""
        self.sessions.kw["bind"].dispose()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        with self.sessions() as session, session.begin():
            yield session


_lock = threading.Lock()
_current: tuple[int, WorkerContext] | None = None


def worker_context() -> WorkerContext:
    """This process's context; a forked child builds its own (connections do not survive fork)."""
    global _current
    with _lock:
        if _current is None or _current[0] != os.getpid():
            _current = (os.getpid(), WorkerContext.build(current_settings()))
        return _current[1]


def use_context(context: WorkerContext | None) -> None:
    """Put a ready-made context in place, or None to rebuild from the process's settings."""
    global _current
    with _lock:
        if _current is not None and _current[0] == os.getpid() and _current[1] is not context:
            _current[1].close()
        _current = (os.getpid(), context) if context is not None else None
