"""Where the flow stalls: per step of a process, how long work waits and takes.

For every user task of process `key` created in [start, end):

- **wait** is how long the task waited before someone started on it: created → claimed for a
  task offered to a role pool, created → first opened (`human_task.first_opened_at`, written
  when the assignee first opens the task page) for a task assigned when it was created
  (its `claimed_at` equals its `created_at`);
- **work** is from that start to completion;
- a task with no start (still unclaimed, never opened, or answered through a customer link)
  counts in `count` and `overdue` only;
- **overdue share** is the share of the step's tasks that had a due time and were completed
  after it, or are still open past it at `now`.

Means and 90th percentiles (nearest rank) are in seconds; None when nothing was measured.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import NotFound
from engine.models import HumanTask, ProcessDefinition, TaskStatus

if TYPE_CHECKING:
    from engine.workflow_engine import WorkflowEngine


@dataclass(frozen=True)
class StepStall:
    """The figures of one step (a user task of the diagram)."""

    element_id: str
    name: str
    name_en: str
    count: int
    open: int
    wait_mean_s: float | None
    wait_p90_s: float | None
    work_mean_s: float | None
    work_p90_s: float | None
    overdue_share: float | None


def p90(values: list[float]) -> float | None:
    """The 90th percentile by nearest rank (the smallest value ≥ 90% of them)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _started(task: HumanTask) -> datetime | None:
    """When someone started on the task (see the module's docstring)."""
    if task.claimed_at is not None and task.claimed_at != task.created_at:
        return task.claimed_at
    return task.first_opened_at


@dataclass
class _Step:
    name: str
    name_en: str
    count: int = 0
    open: int = 0
    late: int = 0
    waits: list[float] = field(default_factory=list)
    works: list[float] = field(default_factory=list)

    def add(self, task: HumanTask, now: datetime) -> None:
        self.count += 1
        finished = task.completed_at if task.state == TaskStatus.COMPLETED else None
        self.open += finished is None
        self.late += task.due_at is not None and (finished or now) > task.due_at
        began = _started(task)
        if began is not None:
            self.waits.append((began - task.created_at).total_seconds())
            if finished is not None:
                self.works.append((finished - began).total_seconds())


def stalls(session: Session, key: str, start: datetime, end: datetime, now: datetime
           ) -> list[StepStall]:
    """The figures per step of process `key` for tasks created in [start, end), in the
    order of the steps' first appearance (tasks withdrawn by the workflow are left out)."""
    rows = session.scalars(select(HumanTask).where(
        HumanTask.process_key == key, HumanTask.created_at >= start, HumanTask.created_at < end,
        HumanTask.state != TaskStatus.CANCELLED).order_by(HumanTask.id)).all()
    steps: dict[str, _Step] = {}
    for task in rows:
        steps.setdefault(task.bpmn_id, _Step(task.name, task.name_en)).add(task, now)
    return [StepStall(element_id, s.name, s.name_en, s.count, s.open, _mean(s.waits),
                      p90(s.waits), _mean(s.works), p90(s.works), s.late / s.count)
            for element_id, s in steps.items()]


def newest_diagram(session: Session, kf: WorkflowEngine, key: str
                   ) -> tuple[ProcessDefinition, str]:
    """The newest version of process `key` and its BPMN XML, to draw the figures on."""
    definition = session.scalars(select(ProcessDefinition).where(ProcessDefinition.key == key)
                                 .order_by(ProcessDefinition.version.desc()).limit(1)).first()
    if definition is None:
        raise NotFound(f"process {key!r} is not deployed")
    compiled = kf.runtime.specs.get(definition)
    return definition, str(compiled.files[compiled.spec.file])
