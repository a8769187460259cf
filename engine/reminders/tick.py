"""One reminder tick: every rule writes its notices into the outbox in one transaction.

Inside it, each rule runs in a savepoint and each of its records on its own
(engine/reminders/isolation.py): a record that fails is written down as a `failed`
`reminder_failed` outbox row and the tick goes on with the next one. The idempotency keys
keep a second tick (or a second beat) from writing anything twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.orm import Session

from engine.customer_links import LinkSigner
from engine.db import is_postgres
from engine.gc_pause import collector_paused
from engine.runtime.context import Runtime
from engine.settings import Settings

from .birthdays import birthday_drafts
from .book import PolicyBook
from .customer_invites import invite_drafts
from .digest import digest_drafts
from .drafts import Draft, write_drafts
from .isolation import RecordGuard, write_failures
from .marks import TaskMarks, sweep_ended
from .people import People
from .task_notices import task_drafts
from .timer_notices import timer_drafts

log = logging.getLogger(__name__)
# pg_try_advisory_xact_lock key: one reminder tick at a time across every worker and beat.
TICK_LOCK = 0x6B66_7469_636B  # "kftick"
# Where this process's sweep of ended tasks' marks goes on (engine/reminders/marks.py). Two
# ticks racing on it at worst look at one window twice or skip it until the next pass.
_sweep_after = 0


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
    """How many outbox rows each rule wrote (None: another tick holds the lock), and how many
    records failed (each kept as a `reminder_failed` row, once a day)."""

    written: dict[str, int] | None
    failed: int = 0

    @property
    def total(self) -> int:
        """All rows written."""
        return sum((self.written or {}).values())


def write_reminders(session: Session, rt: Runtime, book: PolicyBook, signer: LinkSigner,
                    config: ReminderConfig, now: datetime | None = None) -> TickResult:
    """Write every notice due at `now` (default: the clock); the caller commits.

    Each rule derives its notices from the database alone and names each with an
    idempotency key, so running the tick twice, or in two places, writes nothing new. The
    cyclic garbage collector waits until the tick is done (engine/gc_pause.py).
    """
    with collector_paused():
        return _write_reminders(session, rt, book, signer, config, now or rt.clock.now())


def _write_reminders(session: Session, rt: Runtime, book: PolicyBook, signer: LinkSigner,
                     config: ReminderConfig, when: datetime) -> TickResult:
    if is_postgres(session) and not session.scalar(
            text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": TICK_LOCK}):
        log.info("another reminder tick is running; skipping this one")
        return TickResult(None)
    policies, people_guard = RecordGuard(session, "policies"), RecordGuard(session, "people")
    for definition_id, reason in book.refresh(session):
        policies.fail(f"definition {definition_id}", reason)
    people = People.load(session)
    for user_id, reason in people.refused.items():
        people_guard.fail(f"user {user_id}", reason, recipient_id=user_id)
    tz = config.timezone
    guards = [policies, people_guard]

    def run(rule: str, drafts_of: Callable[[RecordGuard], Iterable[Draft]],
            then: Callable[[RecordGuard], object] | None = None) -> int:
        guard = RecordGuard(session, rule)
        guards.append(guard)
        try:
            with session.begin_nested():
                written = write_drafts(session, drafts_of(guard), when, guard)
                if then is not None:
                    then(guard)
                return written
        except Exception as err:  # the rule's own query: its records wait for the next tick
            guard.fail(f"rule {rule}", err)
            return 0

    marks = TaskMarks(people.fingerprint)
    global _sweep_after
    swept, _sweep_after = sweep_ended(session, _sweep_after)
    if swept:
        log.info("reminder marks of %d ended task(s) deleted", swept)
    written = {
        "tasks": run("tasks", lambda g: task_drafts(session, book, people, when, tz, g, marks),
                     lambda g: marks.write(session, {f.task_id for f in g.failures
                                                     if f.task_id is not None})),
        "timers": run("timers", lambda g: timer_drafts(session, rt, book, people, when, tz, g)),
        "customer_links": run("customer_links", lambda g: invite_drafts(
            session, rt, signer, people, when, tz, g, base_url=config.base_url,
            ttl=config.link_ttl)),
        "birthdays": run("birthdays", lambda g: birthday_drafts(
            session, people, when, tz, g, config.birthday_days)),
    }
    digest_at = config.digest_at
    written["digests"] = run("digests", lambda g: digest_drafts(
        session, people, when, tz, digest_at, g)) if digest_at else 0
    failures = [f for guard in guards for f in guard.failures]
    write_failures(session, failures, when, tz)
    session.flush()
    return TickResult(written, len(failures))
