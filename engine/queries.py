"""Read-side queries: an instance with its history, a user's tasks. No locks, no writes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from engine.errors import NotFound
from engine.models import (
    OPEN_TASK_STATES,
    AuditEvent,
    HumanTask,
    ProcessDefinition,
    ProcessInstance,
    User,
)
from engine.runtime.access import can_see_instance, sight_of, tasks_visible
from engine.runtime.context import Runtime


@dataclass
class InstanceView:
    """What a user may know about an instance."""

    instance: ProcessInstance
    data: dict[str, Any]
    open_tasks: list[HumanTask]
    history: list[AuditEvent]
    state_readable: bool = True  # False: the saved state no longer loads (data is empty)


def load_instance(session: Session, instance_id: int, user: User) -> ProcessInstance:
    """The instance if `user` may see it; NotFound otherwise (no IDOR)."""
    instance = session.get(ProcessInstance, instance_id)
    if instance is None or not can_see_instance(session, user, instance):
        raise NotFound(f"instance {instance_id} not found")
    return instance


def instance_history(session: Session, instance_id: int) -> list[AuditEvent]:
    """Every audit event of an instance, oldest first."""
    return list(session.scalars(
        select(AuditEvent).where(AuditEvent.instance_id == instance_id).order_by(AuditEvent.id)
    ))


def instance_data(rt: Runtime, instance: ProcessInstance) -> dict[str, Any]:
    """The process variables as the latest step sees them (restores the workflow); none once
    the instance is archived (engine.retention dropped its state)."""
    if instance.archived_at is not None:
        return {}
    compiled = rt.specs.get(instance.definition)
    workflow = rt.serializer.loads(instance.state, compiled.spec, compiled.subprocess_specs)
    ready = workflow.get_tasks(state=TaskState.READY)
    source = ready[0] if ready else workflow.last_task
    data: dict[str, Any] = dict(source.data) if source is not None else dict(workflow.data)
    return data


def get_instance(session: Session, rt: Runtime, instance_id: int, user: User) -> InstanceView:
    """An instance with its data, open tasks and history, checked against `user`'s rights."""
    instance = load_instance(session, instance_id, user)
    open_tasks = list(session.scalars(
        select(HumanTask).where(HumanTask.instance_id == instance.id,
                                HumanTask.state.in_(OPEN_TASK_STATES)).order_by(HumanTask.id)
    ))
    try:
        data, readable = instance_data(rt, instance), True
    except Exception:  # a damaged state: the page still shows the error, history and actions
        data, readable = {}, False
    return InstanceView(instance, data, open_tasks, instance_history(session, instance.id),
                        readable)


def tasks_for(session: Session, user: User, scope: str = "mine") -> list[HumanTask]:
    """Open tasks: `mine` (assigned to the user) or `role` (unclaimed, in the user's roles)."""
    if scope not in ("mine", "role"):
        raise ValueError(f"unknown scope {scope!r}")
    query = _visible(select(HumanTask).where(HumanTask.state.in_(OPEN_TASK_STATES)),
                     session, user, scope)
    return list(session.scalars(query.order_by(HumanTask.due_at.is_(None), HumanTask.due_at,
                                               HumanTask.id)))


# --- inboxes (human_task only: invariant 4) --------------------------------------------

INBOX_SCOPES = ("mine", "role", "all")


@dataclass
class InboxRow:
    """One open task with what its inbox row shows: process names and the customer."""

    task: HumanTask
    process_name: str
    process_name_en: str
    business_key: str | None


def _visible(query: Any, session: Session, user: User, scope: str) -> Any:
    """Restrict a human_task query to `scope` for `user`, always within what they may see.

    `mine` and `role` lie inside the visibility rule by its own terms; the filter is applied
    anyway so that no list can drift from the rule (it costs nothing there: the row's own
    clause is tried first).
    """
    if scope == "mine":
        query = query.where(HumanTask.assignee_id == user.id)
    elif scope == "role":
        query = query.where(HumanTask.assignee_id.is_(None),
                            HumanTask.role.in_(sorted(user.role_names)))
    elif scope != "all":
        raise ValueError(f"unknown scope {scope!r}")
    return query.where(tasks_visible(sight_of(session, user)))


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped.lower()}%"


def inbox(session: Session, user: User, now: datetime, *, scope: str = "mine",
          process: str | None = None, overdue: bool = False, q: str | None = None,
          limit: int = 500) -> list[InboxRow]:
    """Open tasks in `scope`, overdue first, then by due time; filters by process, overdue, text."""
    query = (
        select(HumanTask, ProcessDefinition.name, ProcessDefinition.name_en,
               ProcessInstance.business_key)
        .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
        .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
        .where(HumanTask.state.in_(OPEN_TASK_STATES))
    )
    query = _visible(query, session, user, scope)
    if process:
        query = query.where(HumanTask.process_key == process)
    if overdue:
        query = query.where(HumanTask.due_at < now)
    if q and q.strip():
        pattern = _like(q.strip()[:100])
        columns = (HumanTask.name, HumanTask.name_en, HumanTask.customer_name,
                   HumanTask.process_key, ProcessDefinition.name, ProcessDefinition.name_en,
                   ProcessInstance.business_key)
        query = query.where(or_(*(func.lower(c).like(pattern, escape="\\") for c in columns)))
    is_late = case((HumanTask.due_at < now, 0), else_=1)
    query = query.order_by(is_late, HumanTask.due_at.is_(None), HumanTask.due_at,
                           HumanTask.id).limit(limit)
    rows = session.execute(query).tuples()
    return [InboxRow(task, name, name_en, key) for task, name, name_en, key in rows]


def inbox_counts(session: Session, user: User, now: datetime) -> dict[str, int]:
    """How many open tasks are mine, offered to my roles, and overdue among those."""
    counts: dict[str, int] = {}
    for scope in ("mine", "role"):
        base = _visible(select(func.count(HumanTask.id))
                        .where(HumanTask.state.in_(OPEN_TASK_STATES)), session, user, scope)
        counts[scope] = int(session.scalar(base) or 0)
        counts[f"{scope}_overdue"] = int(session.scalar(base.where(HumanTask.due_at < now)) or 0)
    return counts


def inbox_processes(session: Session, user: User) -> list[str]:
    """Process keys that have open tasks the user can see (for the inbox's filter)."""
    query = _visible(select(HumanTask.process_key).distinct()
                     .where(HumanTask.state.in_(OPEN_TASK_STATES)), session, user, "all")
    return sorted(session.scalars(query))


# --- the diagram's highlights ---------------------------------------------------------


@dataclass
class ElementStates:
    """BPMN element ids an instance has passed through, where it waits, and the steps taken
    as (from, to) element id pairs (a viewer marks the sequence flows between them)."""

    completed: list[str]
    active: list[str]
    taken: list[tuple[str, str]]


def _bpmn_ancestor(task: Any) -> str | None:
    """The nearest ancestor task that is a diagram element (skipping engine-internal ones)."""
    parent = task.parent
    while parent is not None and not getattr(parent.task_spec, "bpmn_id", None):
        parent = parent.parent
    return getattr(parent.task_spec, "bpmn_id", None) if parent is not None else None


def element_states(rt: Runtime, instance: ProcessInstance) -> ElementStates:
    """Completed, active and traversed elements of the top-level process (restores the
    workflow; for the instance page, never for inboxes). An archived instance answers the
    path stored when its state was dropped (engine.retention)."""
    if instance.archived_at is not None:
        path = instance.archived_path or {}
        return ElementStates([str(e) for e in path.get("completed", [])], [],
                             [(str(a), str(b)) for a, b in path.get("taken", [])])
    compiled = rt.specs.get(instance.definition)
    workflow = rt.serializer.loads(instance.state, compiled.spec, compiled.subprocess_specs)
    completed: dict[str, None] = {}
    active: dict[str, None] = {}
    taken: dict[tuple[str, str], None] = {}
    waiting = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR
    still_running = instance.status in ("running", "error")
    for task in workflow.get_tasks():
        bpmn_id = getattr(task.task_spec, "bpmn_id", None)
        if not bpmn_id or task.workflow is not workflow:
            continue
        if task.state == TaskState.COMPLETED:
            completed[bpmn_id] = None
        elif task.state & waiting and still_running:
            active[bpmn_id] = None
        else:
            continue
        source = _bpmn_ancestor(task)
        if source is not None:
            taken[(source, bpmn_id)] = None
    return ElementStates(list(completed), list(active), list(taken))
