"""Substitutes: naming who stands in for a colleague while they are away, and ending it.

A substitution covers whole calendar days in the company's time zone (`from` and `to` both
included); it is stored with the UTC instants those days begin and end, which the access
rule compares with the session's clock (engine.runtime.access.shared_views). While it lasts
the substitute sees what the absent person sees and may act on the tasks assigned to them.

The absent person names their own substitute; leaders and admins name one for anybody.
Setting and ending are audited (`substitute_set`, `substitute_ended`).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit import record
from engine.errors import Forbidden, InvalidData, NotFound
from engine.models import Substitution, User
from engine.roles import NAMES_OWNERS

from .access import forget_stand_ins
from .context import Runtime

MAX_DAYS = 366  # a substitution is for an absence, not a new job


def _may_arrange(actor: User, absent: User) -> bool:
    return actor.id == absent.id or bool(actor.role_names & NAMES_OWNERS)


def _active_user(session: Session, username: str, field: str) -> User:
    found = session.scalars(select(User).where(User.username == username)).first()
    if found is None or not found.active:
        raise InvalidData(f"{username!r} is not an active user", {field: "unknown user"})
    return found


def _start_of(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=tz)


def set_substitute(session: Session, rt: Runtime, actor: User, *, substitute: str,
                   starts_on: date, ends_on: date, tz: ZoneInfo,
                   absent: str | None = None) -> Substitution:
    """Make the user called `substitute` stand in for `absent` (default: the actor) from
    `starts_on` to `ends_on`, both included. InvalidData for an unknown or inactive user,
    oneself as substitute, days in the wrong order, in the past or over a year;
    Forbidden when someone other than a leader or admin arranges it for another."""
    away = actor if absent is None or absent == actor.username \
        else _active_user(session, absent, "absent")
    if not _may_arrange(actor, away):
        raise Forbidden("only leaders and admins name a substitute for someone else")
    stand_in = _active_user(session, substitute, "substitute")
    now = rt.clock.now()
    problems: dict[str, str] = {}
    if stand_in.id == away.id:
        problems["substitute"] = "nobody stands in for themself"
    if ends_on < starts_on:
        problems["to"] = "must not be before the first day"
    elif (ends_on - starts_on).days >= MAX_DAYS:
        problems["to"] = f"at most {MAX_DAYS} days"
    if ends_on < now.astimezone(tz).date():
        problems.setdefault("to", "must not be in the past")
    if problems:
        raise InvalidData("the substitution cannot be arranged", problems)
    row = Substitution(absent_id=away.id, absent=away, substitute_id=stand_in.id,
                       substitute=stand_in, starts_on=starts_on, ends_on=ends_on,
                       starts_at=_start_of(starts_on, tz),
                       ends_at=_start_of(ends_on + timedelta(days=1), tz),
                       created_by_id=actor.id, created_at=now)
    session.add(row)
    session.flush()
    forget_stand_ins(session)
    record(session, "substitute_set", at=now, actor=actor,
           data={"id": row.id, "absent": away.username, "substitute": stand_in.username,
                 "from": starts_on.isoformat(), "to": ends_on.isoformat()})
    return row


def end_substitute(session: Session, rt: Runtime, actor: User, substitution_id: int
                   ) -> Substitution:
    """End a substitution now (one not begun yet is deleted): the absent person, the
    substitute, leaders and admins may. NotFound for anybody else (no hint it exists)."""
    row = session.get(Substitution, substitution_id)
    if row is None or not (_may_arrange(actor, row.absent) or actor.id == row.substitute_id):
        raise NotFound(f"substitution {substitution_id} not found")
    now = rt.clock.now()
    if row.ends_at <= now:
        return row
    record(session, "substitute_ended", at=now, actor=actor,
           data={"id": row.id, "absent": row.absent.username,
                 "substitute": row.substitute.username, "begun": row.starts_at < now})
    if row.starts_at >= now:
        session.delete(row)  # never began: nothing to keep (the audit event says it was)
    else:
        row.ends_at = now
    forget_stand_ins(session)
    return row
