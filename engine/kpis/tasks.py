"""Generic task indicators: completions, on-time rate, overdue now, wait and work per step.

Counted in the database (GROUP BY over `human_task` and `audit_event`): a quarter of a busy
department is a hundred thousand tasks, which are never loaded one by one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, bindparam, case, func, select, text
from sqlalchemy.orm import Session

from engine.db import is_postgres
from engine.models import OPEN_TASK_STATES, AuditEvent, HumanTask, TaskStatus
from engine.models.base import UTCDateTime

from .history import UNASSIGNED_KEY, Grouping, rate

DECISION_FIELDS = ("decision",)
INSTANCE_ACTIONS = ("instance_started", "instance_completed", "instance_cancelled")


def seconds_between(session: Session, later: Any, earlier: Any) -> ColumnElement[Any]:
    """`later - earlier` in seconds, in SQL (NULL when either is NULL)."""
    if is_postgres(session):
        return func.extract("epoch", later - earlier)
    return (func.julianday(later) - func.julianday(earlier)) * 86400


def _hours(seconds: Any) -> float | None:
    return None if seconds is None else round(float(seconds) / 3600, 2)


def _is_decision_field(name: str) -> bool:
    return name in DECISION_FIELDS or name.endswith("_decision")


def task_indicators(session: Session, start: datetime, end: datetime, now: datetime,
                    grouping: Grouping) -> dict[str, Any]:
    """Per group: tasks completed, on-time rate, overdue now; per step: mean wait (created →
    claimed) and work (claimed, or created, → completed) in hours."""
    done = (HumanTask.state == TaskStatus.COMPLETED, HumanTask.completed_at >= start,
            HumanTask.completed_at < end)
    by_role = grouping.by == "role"

    def key_of(value: Any) -> str:
        if by_role:
            return str(value)
        return grouping.names.get(value, "") if value is not None else UNASSIGNED_KEY

    groups: dict[str, dict[str, Any]] = {}

    def group(key: str) -> dict[str, Any]:
        return groups.setdefault(key, {"key": key, "tasks_completed": 0, "with_due": 0,
                                       "on_time": 0, "overdue_now": 0})

    who = HumanTask.role if by_role else HumanTask.completed_by_id
    on_time = func.sum(case((HumanTask.completed_at <= HumanTask.due_at, 1), else_=0))
    for value, completed, with_due, timely in session.execute(
            select(who, func.count(), func.count(HumanTask.due_at), on_time)
            .where(*done).group_by(who)).tuples():
        g = group(key_of(value))
        g["tasks_completed"] += completed
        g["with_due"] += with_due
        g["on_time"] += int(timely or 0)
    holder = HumanTask.role if by_role else HumanTask.assignee_id
    late = 0
    for value, count in session.execute(select(holder, func.count()).where(
            HumanTask.state.in_(OPEN_TASK_STATES), HumanTask.due_at < now)
            .group_by(holder)).tuples():
        group(key_of(value))["overdue_now"] += count
        late += count
    for g in groups.values():
        g["on_time_rate"] = rate(g["on_time"], g["with_due"])
    wait = seconds_between(session, HumanTask.claimed_at, HumanTask.created_at)
    work = seconds_between(session, HumanTask.completed_at,
                           func.coalesce(HumanTask.claimed_at, HumanTask.created_at))
    steps = [{"process": process, "step": step, "name": name, "name_en": name_en,
              "completed": completed, "mean_wait_hours": _hours(mean_wait),
              "mean_work_hours": _hours(mean_work)}
             for process, step, name, name_en, completed, mean_wait, mean_work
             in session.execute(select(
                 HumanTask.process_key, HumanTask.bpmn_id, func.max(HumanTask.name),
                 func.max(HumanTask.name_en), func.count(), func.avg(wait), func.avg(work))
                 .where(*done).group_by(HumanTask.process_key, HumanTask.bpmn_id)).tuples()]
    return {
        "groups": sorted(groups.values(), key=lambda g: g["key"]),
        "overdue_now": late,
        "steps": sorted(steps, key=lambda s: (s["process"], s["step"])),
    }


# Decision fields (`decision`, `*_decision`) of the submitted form data with text values,
# counted in the database: the JSON of every completion is never sent to Python.
_DECISIONS_PG = """
SELECT e.process_key, e.bpmn_id, kv.key, kv.value #>> '{}', count(*)
FROM audit_event e
CROSS JOIN LATERAL jsonb_each(CASE WHEN jsonb_typeof(e.data -> 'data') = 'object'
                              THEN e.data -> 'data' ELSE '{}'::jsonb END) kv
WHERE e.action = 'task_completed' AND e.at >= :start AND e.at < :end
  AND (kv.key = 'decision' OR kv.key LIKE '%\\_decision' ESCAPE '\\')
  AND jsonb_typeof(kv.value) = 'string'
GROUP BY 1, 2, 3, 4
"""
_DECISIONS_SQLITE = """
SELECT e.process_key, e.bpmn_id, kv.key, kv.value, count(*)
FROM audit_event e, json_each(e.data, '$.data') kv
WHERE e.action = 'task_completed' AND e.at >= :start AND e.at < :end
  AND json_type(e.data, '$.data') = 'object'
  AND (kv.key = 'decision' OR kv.key LIKE '%\\_decision' ESCAPE '\\')
  AND kv.type = 'text'
GROUP BY 1, 2, 3, 4
"""


def process_indicators(session: Session, start: datetime, end: datetime) -> dict[str, Any]:
    """Instances started, completed and cancelled per process; decision outcomes per step."""
    processes: dict[str, dict[str, Any]] = {}
    for process_key, action, count in session.execute(
            select(AuditEvent.process_key, AuditEvent.action, func.count())
            .where(AuditEvent.at >= start, AuditEvent.at < end,
                   AuditEvent.action.in_(INSTANCE_ACTIONS))
            .group_by(AuditEvent.process_key, AuditEvent.action)).tuples():
        row = processes.setdefault(process_key or "", {
            "process": process_key, "started": 0, "completed": 0, "cancelled": 0})
        row[action.removeprefix("instance_")] += count
    query = text(_DECISIONS_PG if is_postgres(session) else _DECISIONS_SQLITE).bindparams(
        bindparam("start", start, type_=UTCDateTime()), bindparam("end", end, type_=UTCDateTime()))
    outcomes: dict[tuple[str, str, str], dict[str, int]] = {}
    for process_key, bpmn_id, name, value, count in session.execute(query).tuples():
        if _is_decision_field(name):
            counts = outcomes.setdefault((process_key or "", bpmn_id or "", name), {})
            counts[value] = counts.get(value, 0) + count
    return {
        "processes": sorted(processes.values(), key=lambda p: p["process"] or ""),
        "approvals": [{"process": p, "step": s, "field": f, "outcomes": dict(sorted(c.items()))}
                      for (p, s, f), c in sorted(outcomes.items())],
    }
