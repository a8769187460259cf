"""The department's work as numbers, read from the database when metrics are scraped.

Whichever web process is scraped answers the same: the numbers are the rows, not counters
kept in one process. Five small queries (three GROUP BY), none of which loads a workflow:

- open tasks by role and process, and how many of them are overdue (one GROUP BY over
  the open tasks, the `human_task` state index);
- instances by process and status (one GROUP BY over all instances; failed instances are
  the open incidents);
- outbox rows by status, and the oldest pending row (pending rows come from the relay's
  index). Outbox rows are never deleted, so the counts of `sent` and `failed` rows only
  grow: they are the mail counters, exact across worker crashes, with no counter to keep;
- the tick tasks' totals (engine.observability.tick_stats).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from engine.models import (
    OPEN_TASK_STATES,
    HumanTask,
    InstanceStatus,
    Notification,
    NotificationStatus,
    ProcessDefinition,
    ProcessInstance,
)

from .tick_stats import tick_stats


@dataclass(frozen=True)
class TaskCount:
    """Open tasks of one role in one process."""

    role: str
    process: str
    open: int
    overdue: int


@dataclass(frozen=True)
class TickTotals:
    """One tick task's runs so far."""

    task: str
    runs: int
    failed_runs: int
    seconds_total: float
    last_seconds: float
    last_run_at: datetime | None


@dataclass
class WorkSnapshot:
    """Everything the work gauges show, read at one moment."""

    now: datetime
    tasks: list[TaskCount] = field(default_factory=list)
    instances: dict[tuple[str, str], int] = field(default_factory=dict)  # (process, status)
    outbox: dict[str, int] = field(default_factory=dict)  # status → rows
    oldest_pending_at: datetime | None = None
    ticks: list[TickTotals] = field(default_factory=list)

    @property
    def incidents_open(self) -> int:
        """Instances stopped on an error (the incidents page's list)."""
        return sum(n for (_, status), n in self.instances.items() if status == InstanceStatus.ERROR)

    @property
    def oldest_pending_seconds(self) -> float:
        """How long the oldest pending mail has waited (0 when none waits)."""
        if self.oldest_pending_at is None:
            return 0.0
        return max(0.0, (self.now - self.oldest_pending_at).total_seconds())


def read_work_snapshot(session: Session, now: datetime) -> WorkSnapshot:
    """Count tasks, instances, outbox rows and tick runs as they are at `now`."""
    snapshot = WorkSnapshot(now=now)
    overdue = func.count(case((HumanTask.due_at < now, 1)))
    rows = session.execute(
        select(HumanTask.role, HumanTask.process_key, func.count(), overdue)
        .where(HumanTask.state.in_(OPEN_TASK_STATES))
        .group_by(HumanTask.role, HumanTask.process_key))
    snapshot.tasks = [TaskCount(role, process, int(n), int(late))
                      for role, process, n, late in rows]
    instances = session.execute(
        select(ProcessDefinition.key, ProcessInstance.status, func.count())
        .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
        .group_by(ProcessDefinition.key, ProcessInstance.status))
    snapshot.instances = {(key, status): int(n) for key, status, n in instances}
    snapshot.outbox = {status: int(n) for status, n in session.execute(
        select(Notification.status, func.count()).group_by(Notification.status))}
    snapshot.oldest_pending_at = session.scalar(
        select(func.min(Notification.created_at))
        .where(Notification.status == NotificationStatus.PENDING))
    snapshot.ticks = [TickTotals(t.task, t.runs, t.failed_runs, t.seconds_total,
                                 t.last_seconds, t.last_run_at) for t in tick_stats(session)]
    return snapshot
