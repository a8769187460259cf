"""The timer poller's commands: which instances are due, fire one (design.md invariant 5).

One instance is one command: the tick (workers/tasks.py `fire_timers`) asks for the due
instance ids, then fires each in its own transaction, so a user's concurrent change
(Conflict) delays only that instance to the next tick, and an instance that cannot be fired
at all (its state is damaged, or anything unforeseen) is recorded as that instance's error
(`record_failure`, in a fresh transaction) while the others fire. `fire_due_timers` does the
same inside one caller-owned transaction, with a savepoint per instance.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit import record
from engine.db import is_postgres
from engine.models import InstanceStatus, ProcessInstance

from .context import FixedClock, Runtime
from .failures import NOT_INSTANCE_FAILURES, failure_details, mark_failed
from .state import lock_instance, restore, run_engine_steps

log = logging.getLogger(__name__)


def due_instance_ids(session: Session, now: datetime, limit: int, after_id: int = 0
                     ) -> list[int]:
    """Ids (ascending, above `after_id`) of running instances whose earliest timer is due."""
    return list(session.scalars(
        select(ProcessInstance.id)
        .where(ProcessInstance.status == InstanceStatus.RUNNING,
               ProcessInstance.next_wakeup_at <= now, ProcessInstance.id > after_id)
        .order_by(ProcessInstance.id)
        .limit(limit)
    ))


def _claim_due(session: Session, instance_id: int, now: datetime) -> ProcessInstance | None:
    """The instance, locked, if it is still running and due; None if not, or (on PostgreSQL)
    if another command holds it right now (that one will have moved it on)."""
    query = select(ProcessInstance).where(ProcessInstance.id == instance_id)
    if is_postgres(session):
        query = query.with_for_update(of=ProcessInstance, skip_locked=True)
    instance = session.scalars(query.execution_options(populate_existing=True)).first()
    if instance is None or instance.status != InstanceStatus.RUNNING:
        return None
    if instance.next_wakeup_at is None or instance.next_wakeup_at > now:
        return None
    return instance


def fire_instance(session: Session, rt: Runtime, instance_id: int, now: datetime) -> bool:
    """Fire the timers of one instance due at `now`; False if it was no longer due.

    Run-time failures become the instance's error as in every command; a state that cannot
    be loaded raises StateUnreadable (the tick records it with `record_failure`).
    """
    instance = _claim_due(session, instance_id, now)
    if instance is None:
        return False
    _, workflow = restore(rt, instance, FixedClock(now))
    due = instance.next_wakeup_at

    def step() -> None:
        record(session, "timer_fired", at=now, instance=instance,
               data={"due_at": due.isoformat() if due else None})
        workflow.refresh_timers()

    run_engine_steps(session, rt, instance, workflow, now=now, actor=None, step=step)
    return True


def record_failure(session: Session, instance_id: int, err: BaseException,
                   now: datetime) -> bool:
    """Put a running instance into `error` because of `err`, without loading its state."""
    instance = lock_instance(session, instance_id)
    if instance.status != InstanceStatus.RUNNING:
        return False
    mark_failed(session, instance, failure_details(err, now), now=now, actor=None)
    session.flush()
    return True


def fire_due_timers(session: Session, rt: Runtime, now: datetime | None = None,
                    limit: int = 200) -> int:
    """Fire every timer due at `now` (default: the clock) and return how many instances moved.

    All in the caller's transaction, each instance inside its own savepoint: one that cannot
    be fired is rolled back and recorded as that instance's error, one that a concurrent
    command holds is left for the next call, and the others fire.
    """
    when = now or rt.clock.now()
    fired = 0
    for instance_id in due_instance_ids(session, when, limit):
        try:
            with session.begin_nested():
                fired += fire_instance(session, rt, instance_id, when)
        except NOT_INSTANCE_FAILURES as err:
            log.info("instance %s not fired this time: %s", instance_id, err)
        except Exception as err:
            log.warning("instance %s cannot be fired: %s", instance_id, err)
            with session.begin_nested():
                record_failure(session, instance_id, err, when)
    return fired
