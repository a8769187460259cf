"""Generic task indicators: completions, on-time rate, overdue now, wait and work per step."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import OPEN_TASK_STATES, AuditEvent, HumanTask, TaskStatus

from .history import UNASSIGNED_KEY, Grouping, mean, rate

DECISION_FIELDS = ("decision",)


def _hours(later: datetime | None, earlier: datetime | None) -> float | None:
    if later is None or earlier is None:
        return None
    return (later - earlier).total_seconds() / 3600


def _is_decision_field(name: str) -> bool:
    return name in DECISION_FIELDS or name.endswith("_decision")


def task_indicators(session: Session, start: datetime, end: datetime, now: datetime,
                    grouping: Grouping) -> dict[str, Any]:
    """Per group: tasks completed, on-time rate, overdue now; per step: mean wait and work."""
    done = session.scalars(select(HumanTask).where(
        HumanTask.state == TaskStatus.COMPLETED, HumanTask.completed_at >= start,
        HumanTask.completed_at < end)).all()
    late = session.scalars(select(HumanTask).where(
        HumanTask.state.in_(OPEN_TASK_STATES), HumanTask.due_at < now)).all()

    def key_of(task: HumanTask, user_id: int | None) -> str:
        if grouping.by == "role":
            return task.role
        return grouping.names.get(user_id, "") if user_id is not None else UNASSIGNED_KEY

    groups: dict[str, dict[str, Any]] = {}

    def group(key: str) -> dict[str, Any]:
        return groups.setdefault(key, {"key": key, "tasks_completed": 0, "with_due": 0,
                                       "on_time": 0, "overdue_now": 0})

    steps: dict[tuple[str, str], dict[str, Any]] = {}
    for task in done:
        g = group(key_of(task, task.completed_by_id))
        g["tasks_completed"] += 1
        if task.due_at is not None and task.completed_at is not None:
            g["with_due"] += 1
            g["on_time"] += int(task.completed_at <= task.due_at)
        step = steps.setdefault((task.process_key, task.bpmn_id), {
            "process": task.process_key, "step": task.bpmn_id, "name": task.name,
            "name_en": task.name_en, "completed": 0, "_wait": [], "_work": []})
        step["completed"] += 1
        wait = _hours(task.claimed_at, task.created_at)
        work = _hours(task.completed_at, task.claimed_at or task.created_at)
        if wait is not None:
            step["_wait"].append(wait)
        if work is not None:
            step["_work"].append(work)
    for task in late:
        group(key_of(task, task.assignee_id))["overdue_now"] += 1
    for g in groups.values():
        g["on_time_rate"] = rate(g["on_time"], g["with_due"])
    step_list = []
    for step in steps.values():
        step["mean_wait_hours"] = mean(step.pop("_wait"))
        step["mean_work_hours"] = mean(step.pop("_work"))
        step_list.append(step)
    return {
        "groups": sorted(groups.values(), key=lambda g: g["key"]),
        "overdue_now": len(late),
        "steps": sorted(step_list, key=lambda s: (s["process"], s["step"])),
    }


def process_indicators(session: Session, start: datetime, end: datetime) -> dict[str, Any]:
    """Instances started, completed and cancelled per process; decision outcomes per step."""
    events = session.execute(select(AuditEvent.action, AuditEvent.process_key,
                                    AuditEvent.bpmn_id, AuditEvent.data).where(
        AuditEvent.at >= start, AuditEvent.at < end,
        AuditEvent.action.in_(("instance_started", "instance_completed",
                               "instance_cancelled", "task_completed")))).all()
    processes: dict[str, dict[str, Any]] = {}
    outcomes: dict[tuple[str, str, str], dict[str, int]] = {}
    for action, process_key, bpmn_id, data in events:
        if action == "task_completed":
            submitted = (data or {}).get("data") or {}
            for field, value in submitted.items():
                if _is_decision_field(field) and isinstance(value, str):
                    counts = outcomes.setdefault((process_key or "", bpmn_id or "", field), {})
                    counts[value] = counts.get(value, 0) + 1
            continue
        row = processes.setdefault(process_key or "", {
            "process": process_key, "started": 0, "completed": 0, "cancelled": 0})
        row[action.removeprefix("instance_")] += 1
    return {
        "processes": sorted(processes.values(), key=lambda p: p["process"] or ""),
        "approvals": [{"process": p, "step": s, "field": f, "outcomes": dict(sorted(c.items()))}
                      for (p, s, f), c in sorted(outcomes.items())],
    }
