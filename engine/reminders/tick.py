"""One reminder tick: every rule writes its notices into the outbox in one transaction."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.orm import Session

from engine.customer_links import LinkSigner
from engine.db import is_postgres
from engine.runtime.context import Runtime
from engine.settings import Settings

from .birthdays import birthday_drafts
from .book import PolicyBook
from .customer_invites import invite_drafts
from .digest import digest_drafts
from .drafts import write_drafts
from .people import People
from .task_notices import task_drafts
from .timer_notices import timer_drafts

log = logging.getLogger(__name__)
# pg_try_advisory_xact_lock key: one reminder tick at a time across every worker and beat.
TICK_LOCK = 0x6B66_7469_636B  # "kftick"


@dataclass(frozen=True)
class ReminderConfig:
    """The settings a tick needs."""

    timezone: ZoneInfo
    digest_at: time | None
    base_url: str
    link_ttl: timedelta
    birthday_days: int = 3

    @classmethod
    def from_settings(cls, settings: Settings) -> ReminderConfig:
        """Read KEYFLOW_TIMEZONE, _DIGEST_AT (HH:MM, or `off`), _BASE_URL, _LINK_TTL_DAYS."""
        off = settings.digest_at.strip().lower() in ("", "off", "none")
        digest = None if off else time.fromisoformat(settings.digest_at)
        return cls(ZoneInfo(settings.timezone), digest, settings.base_url,
                   timedelta(days=settings.link_ttl_days))


@dataclass(frozen=True)
class TickResult:
    """How many outbox rows each rule wrote (None: another tick holds the lock)."""

    written: dict[str, int] | None

    @property
    def total(self) -> int:
        """All rows written."""
        return sum((self.written or {}).values())


def write_reminders(session: Session, rt: Runtime, book: PolicyBook, signer: LinkSigner,
                    config: ReminderConfig, now: datetime | None = None) -> TickResult:
    """Write every notice due at `now` (default: the clock); the caller commits.

    Each rule derives its notices from the database alone and names each with an
    idempotency key, so running the tick twice, or in two places, writes nothing new.
    """
    when = now or rt.clock.now()
    if is_postgres(session) and not session.scalar(
            text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": TICK_LOCK}):
        log.info("another reminder tick is running; skipping this one")
        return TickResult(None)
    book.refresh(session)
    people = People.load(session)
    tz = config.timezone
    written = {
        "tasks": write_drafts(session, task_drafts(session, book, people, when, tz), when),
        "timers": write_drafts(session, timer_drafts(session, rt, book, people, when, tz), when),
        "customer_links": write_drafts(session, invite_drafts(
            session, rt, signer, people, when, tz, base_url=config.base_url, ttl=config.link_ttl),
            when),
        "birthdays": write_drafts(session, birthday_drafts(
            session, people, when, tz, config.birthday_days), when),
        "digests": write_drafts(session, digest_drafts(session, people, when, tz,
                                                       config.digest_at), when)
        if config.digest_at else 0,
    }
    session.flush()
    return TickResult(written)
