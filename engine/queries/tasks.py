"""Tasks as their users see them: the inboxes (human_task only: invariant 4), their counts,
and one task with its form and its instance's data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from engine.models import (
    OPEN_TASK_STATES,
    AuditEvent,
    HumanTask,
    InstanceStatus,
    ProcessDefinition,
    ProcessInstance,
    TaskStatus,
    User,
)
from engine.runtime.access import can_act_on, load_task, sight_of, tasks_visible

from .instances import instance_data

if TYPE_CHECKING:
    from engine.workflow_engine import WorkflowEngine


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


# --- one task ------------------------------------------------------------------------------


def visible_task(session: Session, task_id: int, user: User) -> HumanTask:
    """The task if `user` may see it (NotFound otherwise: no IDOR)."""
    return load_task(session, task_id, user, for_action=False)


@dataclass
class TaskPage:
    """A task with its form, its instance's data and what the user may do with it now."""

    task: HumanTask
    instance: ProcessInstance
    form: dict[str, Any] | None  # the task's JSON Schema; None without a form
    forms: dict[str, dict[str, Any]]  # every form of the version, by key (to label data)
    data: dict[str, Any]
    submitted: dict[str, Any] | None  # what completed it, once completed
    may_work: bool
    may_claim: bool
    may_unclaim: bool
    assignee: User | None

    @property
    def schema(self) -> dict[str, Any]:
        """The form, or an empty schema for a task without one."""
        return self.form or {}


def task_page(session: Session, kf: WorkflowEngine, task_id: int, user: User) -> TaskPage:
    """The task if `user` may see it (NotFound otherwise), with form, data and actions."""
    task = visible_task(session, task_id, user)
    instance = session.get(ProcessInstance, task.instance_id)
    assert instance is not None
    compiled = kf.runtime.specs.get(instance.definition)
    form = compiled.forms.get(task.form_key) if task.form_key else None
    submitted = None
    if task.state == TaskStatus.COMPLETED:
        event = session.scalars(select(AuditEvent).where(
            AuditEvent.task_id == task.id, AuditEvent.action == "task_completed")
            .order_by(AuditEvent.id.desc())).first()
        submitted = (event.data or {}).get("data") if event else None
    is_open = task.is_open and instance.status == InstanceStatus.RUNNING
    mine = task.assignee_id == user.id
    return TaskPage(
        task=task, instance=instance, form=form, forms=compiled.forms,
        data=instance_data(kf, instance), submitted=submitted,
        may_work=is_open and mine and can_act_on(user, task),
        may_claim=is_open and task.assignee_id is None and user.has_role(task.role),
        may_unclaim=is_open and mine and user.has_role(task.role),
        assignee=task.assignee,
    )


def returned_task(session: Session, done: HumanTask, user: User) -> int | None:
    """The id of the task a process check sent back to `user` right after they completed
    `done` (the same step, open again with notices), or None when it went on."""
    return session.scalars(select(HumanTask.id).where(
        HumanTask.instance_id == done.instance_id, HumanTask.bpmn_id == done.bpmn_id,
        HumanTask.id > done.id, HumanTask.assignee_id == user.id,
        HumanTask.state.in_(OPEN_TASK_STATES), HumanTask.notices.is_not(None))
        .order_by(HumanTask.id.desc())).first()


def first_task_of(session: Session, instance_id: int, user: User) -> int | None:
    """The id of the first open task of an instance assigned to `user` (after a start)."""
    return session.scalars(select(HumanTask.id).where(
        HumanTask.instance_id == instance_id, HumanTask.assignee_id == user.id,
        HumanTask.state.in_(OPEN_TASK_STATES)).order_by(HumanTask.id)).first()
