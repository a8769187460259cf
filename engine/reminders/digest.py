"""The daily digest: after the digest hour (company time) each user with open tasks hears once."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import date, datetime, time
from functools import partial
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.models import OPEN_TASK_STATES, HumanTask, Notification

from . import texts
from .drafts import Draft
from .isolation import RecordGuard
from .people import People, Person


def digest_drafts(session: Session, people: People, now: datetime, tz: ZoneInfo,
                  at: time, guard: RecordGuard) -> Iterator[Draft]:
    """One `digest:<user>:<date>` per user with open tasks, once the local time passes `at`."""
    local = now.astimezone(tz)
    if local.time() < at:
        return
    day = local.date()
    suffix = f":{day.isoformat()}"
    sent = set(session.scalars(select(Notification.idempotency_key).where(
        Notification.idempotency_key.like(f"digest:%{suffix}"))))
    waiting = [p for p in people if f"digest:{p.id}{suffix}" not in sent]
    if not waiting:
        return  # the common case after the first tick of the day: no task query at all
    mine: dict[int, list[tuple[str, str, datetime | None]]] = defaultdict(list)
    for row in session.execute(
        select(HumanTask.assignee_id, HumanTask.name, HumanTask.name_en, HumanTask.due_at)
        .where(HumanTask.state.in_(OPEN_TASK_STATES), HumanTask.assignee_id.in_(
            [p.id for p in waiting]))
        .order_by(HumanTask.due_at.is_(None), HumanTask.due_at, HumanTask.id)
    ):
        mine[row.assignee_id].append((row.name, row.name_en or row.name, row.due_at))
    offered = dict(session.execute(
        select(HumanTask.role, func.count()).where(
            HumanTask.state.in_(OPEN_TASK_STATES), HumanTask.assignee_id.is_(None))
        .group_by(HumanTask.role)).tuples().all())
    for person in waiting:
        yield from guard.drafts(f"user {person.id}", partial(
            _digest, person, mine.get(person.id, []), people, offered, day, tz),
            recipient_id=person.id)


def _digest(person: Person, own: list[tuple[str, str, datetime | None]], people: People,
            offered: dict[str, int], day: date, tz: ZoneInfo) -> Iterator[Draft]:
    in_roles = sum(offered.get(role, 0) for role in people.roles_of(person.id))
    if not own and not in_roles:
        return
    listed = [(texts.name_in(person.language, zh, en),
               texts.local(due, tz, person.language) if due else "") for zh, en, due in own]
    subject, body = texts.digest(person.language, day, listed, in_roles)
    yield Draft(key=f"digest:{person.id}:{day.isoformat()}", email=person.email,
                language=person.language, kind="digest", subject=subject, body=body,
                recipient_id=person.id)
