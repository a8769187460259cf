"""Walking the archivable instances: one transaction each, a failing one never stops the rest.

Used by `keyflow retention [--dry-run]` and the daily `keyflow.retention` worker task. Each
instance is archived in its own transaction; one changed meanwhile (Conflict) is left for
the next run; one that fails for any other reason (a state that cannot be read, a row the
database refuses) is rolled back, logged, and recorded as a `failed` outbox row in a fresh
transaction (failures.py), and the walk goes on. A dry run does the same work on each
instance inside a savepoint it rolls back, so it reports exactly what a real run would do.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from engine.errors import Conflict
from engine.mail.headers import safe_reason

from .archive import RetentionPolicy

if TYPE_CHECKING:
    from engine.workflow_engine import WorkflowEngine

log = logging.getLogger(__name__)
Transaction = Callable[[], AbstractContextManager[Session]]
BATCH = 200


@dataclass
class RetentionReport:
    """What one run archived (or, in a dry run, would archive) and what failed, by id."""

    cutoff: datetime
    dry_run: bool
    archived: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)
    skipped: list[int] = field(default_factory=list)  # changed meanwhile: next run
    finished: bool = True  # False when the time budget ran out first


def sweep(transaction: Transaction, kf: WorkflowEngine, policy: RetentionPolicy,
          now: datetime, tz: ZoneInfo, *, dry_run: bool = False,
          max_seconds: float | None = None) -> RetentionReport:
    """Archive every instance that ended before `policy.cutoff(now)`, one transaction each.

    `transaction()` opens one transaction (committed when its block ends, rolled back if it
    raises). `max_seconds` bounds a worker's run; the next run carries on where it stopped.
    """
    report = RetentionReport(policy.cutoff(now), dry_run)
    deadline = None if max_seconds is None else time.monotonic() + max_seconds
    after = 0
    while True:
        with transaction() as session:
            batch = kf.archivable_instances(session, report.cutoff, limit=BATCH,
                                            after_id=after)
        if not batch:
            return report
        for instance_id in batch:
            if deadline is not None and time.monotonic() > deadline:
                report.finished = False
                return report
            _archive_one(transaction, kf, policy, instance_id, now, tz, report)
        after = batch[-1]


def _archive_one(transaction: Transaction, kf: WorkflowEngine, policy: RetentionPolicy,
                 instance_id: int, now: datetime, tz: ZoneInfo, report: RetentionReport) -> None:
    try:
        with transaction() as session:
            savepoint = session.begin_nested() if report.dry_run else None
            try:
                done = kf.archive_instance(session, instance_id, report.cutoff, now,
                                           blank_contacts=policy.blank_contacts)
            finally:
                if savepoint is not None:
                    savepoint.rollback()
    except Conflict as err:
        log.info("instance %s changed while being archived; next run: %s", instance_id, err)
        report.skipped.append(instance_id)
        return
    except Exception as err:
        reason = safe_reason(err, with_type=True)
        report.failed[instance_id] = reason
        log.error("instance %s cannot be archived: %s", instance_id, reason)
        if not report.dry_run:
            _record(transaction, kf, instance_id, reason, now, tz)
        return
    if done:
        report.archived.append(instance_id)


def _record(transaction: Transaction, kf: WorkflowEngine, instance_id: int, reason: str,
            now: datetime, tz: ZoneInfo) -> None:
    try:
        with transaction() as session:
            kf.record_archive_failure(session, instance_id, reason, now, tz)
    except Exception:
        log.exception("the archiving failure of instance %s could not be recorded", instance_id)
