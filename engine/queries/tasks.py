"""Tasks as their users see them: one task with its form and its instance's data, and plain
lists of a scope (the paged inboxes and their counts are in inbox.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from engine.errors import NotFound
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
from engine.runtime.access import (
    can_act_on,
    check_task,
    holds_for,
    load_task,
    plainly_sees,
    sight_of,
    tasks_visible,
)

from .inbox import scope_filter
from .instances import StoredDefinition, instance_data, state_data
from .read_statements import ReadStatement
from .task_records import ASSIGNEE, TASK, TASK_COLUMNS, Reads, TaskRecord, orm, reading

if TYPE_CHECKING:
    from engine.workflow_engine import WorkflowEngine


def tasks_for(session: Session, user: User, scope: str = "mine") -> list[HumanTask]:
    """Open tasks: `mine` (assigned to the user) or `role` (unclaimed, in the user's roles)."""
    if scope not in ("mine", "role"):
        raise ValueError(f"unknown scope {scope!r}")
    sight = sight_of(session, user)
    query = select(HumanTask).where(scope_filter(user, scope, sight), tasks_visible(sight))
    return list(session.scalars(query.order_by(HumanTask.due_at.is_(None), HumanTask.due_at,
                                               HumanTask.id)))


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


_TASK_AND_INSTANCE = (select(HumanTask, ProcessInstance)
                      .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
                      .where(HumanTask.id == bindparam("task_id")))


def task_page(session: Session, kf: WorkflowEngine, task_id: int, user: User) -> TaskPage:
    """The task if `user` may see it (NotFound otherwise), with form, data and actions."""
    row = session.execute(_TASK_AND_INSTANCE, {"task_id": task_id}).first()
    if row is None:
        raise NotFound(f"task {task_id} not found")
    task, instance = check_task(session, row[0], user, for_action=False), row[1]
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
    # One's own task is workable without asking whom one stands in for (a statement less).
    may_work = is_open and (mine or (holds_for(user, task, sight := sight_of(session, user))
                                     and can_act_on(user, task, sight)))
    return TaskPage(
        task=task, instance=instance, form=form, forms=compiled.forms,
        data=instance_data(kf, instance), submitted=submitted,
        may_work=may_work,
        may_claim=is_open and task.assignee_id is None and user.has_role(task.role),
        may_unclaim=is_open and mine and user.has_role(task.role),
        assignee=task.assignee,
    )


@dataclass
class TaskView:
    """A task as the API's fetch answers it: the row, its form, its instance's data (the
    kept dict itself when there is one: serialize it, never change it)."""

    task: TaskRecord
    form: dict[str, Any] | None
    data: dict[str, Any]


_INSTANCE = ProcessInstance.__table__
_DEFINITION = ProcessDefinition.__table__
# The task with its assignee's name and what its form, data and visibility need of its
# instance and version: one statement, rows read with Core (no ORM objects), sent in its
# compiled form (engine.queries.read_statements: on SQLite straight to the driver).
_TASK_VIEW = ReadStatement(
    select(*TASK_COLUMNS, ASSIGNEE.c.username, _INSTANCE.c.owner_id,
           _INSTANCE.c.started_by_id, _INSTANCE.c.state, _INSTANCE.c.archived_at,
           _DEFINITION.c.id, _DEFINITION.c.key, _DEFINITION.c.content_hash)
    .join(_INSTANCE, _INSTANCE.c.id == TASK.c.instance_id)
    .join(_DEFINITION, _DEFINITION.c.id == _INSTANCE.c.definition_id)
    .outerjoin(ASSIGNEE, ASSIGNEE.c.id == TASK.c.assignee_id)
    .where(TASK.c.id == bindparam("task_id"))
)


def task_view(session: Reads, kf: WorkflowEngine, task_id: int, user: User) -> TaskView:
    """The task if `user` may see it (NotFound otherwise: no IDOR), with its form and data;
    one statement when the task is plainly theirs to see (theirs, their instance, or they
    see everything), else the full rule of `visible_task` decides."""
    rows = _TASK_VIEW.rows(reading(session), {"task_id": task_id})
    if not rows:
        raise NotFound(f"task {task_id} not found")
    row = rows[0]
    task = TaskRecord.of(row)
    owner_id, started_by_id, state, archived_at, definition_id, key, content_hash = \
        row[len(TASK_COLUMNS) + 1:]
    if not plainly_sees(user, task.assignee_id, task.completed_by_id, owner_id,
                        started_by_id):
        visible_task(orm(session), task_id, user)  # NotFound unless the rule lets them see it
    definition = StoredDefinition(session, definition_id, key, content_hash)
    form = None
    if task.form_key:
        form = kf.runtime.specs.get(cast(ProcessDefinition, definition)).forms.get(
            task.form_key)
    data = {} if archived_at is not None else state_data(kf, definition, state, shared=True)
    return TaskView(task, form, data)


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
