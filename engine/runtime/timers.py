"""The timer poller's command: fire what is due (design.md invariant 5)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit import record
from engine.db import is_postgres
from engine.models import ProcessInstance

from .context import FixedClock, Runtime
from .state import lock_instance, restore, run_engine_steps


def due_instance_ids(session: Session, now: datetime, limit: int) -> list[int]:
    """Running instances whose earliest timer is due; on PostgreSQL skip rows others hold."""
    query = (
        select(ProcessInstance.id)
        .where(ProcessInstance.status == "running", ProcessInstance.next_wakeup_at <= now)
        .order_by(ProcessInstance.next_wakeup_at)
        .limit(limit)
    )
    if is_postgres(session):
        query = query.with_for_update(skip_locked=True)
    return list(session.scalars(query))


def fire_due_timers(session: Session, rt: Runtime, now: datetime | None = None,
                    limit: int = 200) -> int:
    """Fire every timer due at `now` (default: the clock) and return how many instances moved.

    Each instance runs inside a savepoint, so one that cannot be loaded does not undo
    the others; script failures become the instance's error state as in every command.
    """
    when = now or rt.clock.now()
    clock = FixedClock(when)
    fired = 0
    for instance_id in due_instance_ids(session, when, limit):
        with session.begin_nested():
            instance = lock_instance(session, instance_id)
            if instance.status != "running":
                continue
            _, workflow = restore(rt, instance, clock)
            before = instance.next_wakeup_at
            record(session, "timer_fired", at=when, instance=instance,
                   data={"due_at": before.isoformat() if before else None})
            run_engine_steps(session, rt, instance, workflow, now=when, actor=None,
                             step=workflow.refresh_timers)
            fired += 1
    return fired
