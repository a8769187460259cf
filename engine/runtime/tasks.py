"""Claiming, unclaiming and completing user tasks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast
from uuid import UUID

from sqlalchemy import (
    CursorResult,
    Select,
    String,
    Table,
    and_,
    bindparam,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified, set_committed_value

from engine.audit import record
from engine.db import is_postgres
from engine.decision_fields import forget_decisions
from engine.driver_sql import DriverStatement
from engine.errors import Conflict, Forbidden, NotFound
from engine.forms import validate_submission
from engine.models import (
    OPEN_TASK_STATES,
    HumanTask,
    ProcessDefinition,
    ProcessInstance,
    TaskStatus,
    User,
)
from engine.orm_rows import as_loaded, loaded_columns

from .access import check_task, holds_for, sight_of
from .context import Runtime
from .data_limits import check_data
from .state import check_definition, require_running, restore, run_engine_steps


class TaskVanished(Conflict):
    """The task row is open but its workflow no longer has the task (nothing was changed)."""


@dataclass
class LockedTask:
    """A task's instance, locked, with the task and the instance's other open tasks."""

    instance: ProcessInstance
    task: HumanTask
    open_tasks: list[HumanTask]  # every open task of the instance (the task, if open)


_INSTANCE, _INSTANCE_COLUMNS, _INSTANCE_RESET = loaded_columns(ProcessInstance)
_DEFINITION, _DEFINITION_COLUMNS, _DEFINITION_RESET = loaded_columns(ProcessDefinition)
_TASK, _TASK_COLUMNS, _TASK_RESET = loaded_columns(HumanTask)


def _lock_and_read(postgres: bool) -> Select[Any]:
    """The instance of task :task_id, its definition and its open tasks (and that task), one
    row per task; on PostgreSQL with the instance row locked and its version as first seen.
    Core, not the ORM: loading three kinds of objects cost more than the statement (the rows
    become the session's objects as a load with populate_existing makes them, as_loaded)."""
    instance = cast(Table, ProcessInstance.__table__)
    definition = cast(Table, ProcessDefinition.__table__)
    tasks = cast(Table, HumanTask.__table__)
    row_tasks = tasks.alias("open_task")
    task_id = bindparam("task_id", type_=tasks.c.id.type)
    query = (
        select(*(c.label(f"i_{key}") for key, c in _INSTANCE_COLUMNS),
               *(definition.c[c.key].label(f"d_{key}") for key, c in _DEFINITION_COLUMNS),
               *(row_tasks.c[c.key].label(f"t_{key}") for key, c in _TASK_COLUMNS))
        .select_from(instance.outerjoin(definition, definition.c.id == instance.c.definition_id)
                     .outerjoin(row_tasks, and_(
                         row_tasks.c.instance_id == instance.c.id,
                         or_(row_tasks.c.state.in_([literal(state, String)
                                                    for state in OPEN_TASK_STATES]),
                             row_tasks.c.id == task_id))))
        .where(instance.c.id == select(tasks.c.instance_id)
               .where(tasks.c.id == task_id).scalar_subquery())
    )
    if postgres:
        seen = instance.alias("seen")
        query = (query.add_columns(seen.c.version.label("seen_version"))
                 .join(seen, seen.c.id == instance.c.id).with_for_update(of=instance))
    return query


# Compiled once per dialect (engine.driver_sql): every command on a task starts with it.
_LOCK_AND_READ = DriverStatement(_lock_and_read(postgres=False))
_LOCK_AND_READ_POSTGRES = DriverStatement(_lock_and_read(postgres=True))
# Where each object's columns sit in a row of it.
_I = len(_INSTANCE_COLUMNS)
_D = _I + len(_DEFINITION_COLUMNS)
_T = _D + len(_TASK_COLUMNS)
_INSTANCE_KEYS = tuple(key for key, _ in _INSTANCE_COLUMNS)
_DEFINITION_KEYS = tuple(key for key, _ in _DEFINITION_COLUMNS)
_TASK_KEYS = tuple(key for key, _ in _TASK_COLUMNS)
_TASK_ID = _D + _TASK_KEYS.index("id")
_READ_AGAIN = (
    select(HumanTask)
    .where(HumanTask.instance_id == bindparam("instance_id"),
           or_(HumanTask.state.in_(OPEN_TASK_STATES), HumanTask.id == bindparam("task_id")))
    .execution_options(populate_existing=True)
)


def lock_task(session: Session, task_id: int) -> LockedTask:
    """Lock the instance of task `task_id` and read the task and the instance's open tasks
    (NotFound if there is no such task): one statement, in the common case.

    Every command on a task reads the task only after this lock: that is what makes the
    second of two simultaneous completions see the first one's result and get a conflict.
    On SQLite the command's BEGIN IMMEDIATE already holds the write lock, so the one
    statement reads after it. On PostgreSQL a row lock that waited for another command
    returns the instance's newest row but the joined task rows as the statement first saw
    them; the statement also reads the instance's version as it first saw it, and when the
    two differ (someone committed in between) the tasks are read again, after the lock.
    """
    postgres = is_postgres(session)
    query = _LOCK_AND_READ_POSTGRES if postgres else _LOCK_AND_READ
    if session.autoflush:  # as the ORM query did: pending changes are read back
        session.flush()
    rows = query.rows(session.connection(), {"task_id": task_id})
    if not rows:
        raise NotFound(f"task {task_id} not found")
    first = rows[0]
    instance: ProcessInstance = as_loaded(
        session, _INSTANCE, dict(zip(_INSTANCE_KEYS, first[:_I], strict=True)),
        reset=_INSTANCE_RESET)
    definition_values = dict(zip(_DEFINITION_KEYS, first[_I:_D], strict=True))
    if definition_values["id"] is not None:
        definition = as_loaded(session, _DEFINITION, definition_values, reset=_DEFINITION_RESET)
        set_committed_value(instance, "definition", definition)
    tasks: list[HumanTask] = [
        as_loaded(session, _TASK, dict(zip(_TASK_KEYS, row[_D:_T], strict=True)),
                  reset=_TASK_RESET)
        for row in rows if row[_TASK_ID] is not None]
    if postgres and first[_T] != instance.version:  # the version as the statement first saw it
        tasks = list(session.scalars(_READ_AGAIN, {"instance_id": instance.id,
                                                   "task_id": task_id}))
    check_definition(session, instance)
    task = next((t for t in tasks if t.id == task_id), None)
    if task is None:  # gone since (cannot happen while task rows are never deleted)
        raise NotFound(f"task {task_id} not found")
    return LockedTask(instance, task, [t for t in tasks if t.is_open])


def lock_task_instance(session: Session, task_id: int) -> ProcessInstance:
    """Lock the instance of task `task_id` (NotFound if there is no such task)."""
    return lock_task(session, task_id).instance


def _lock_task(session: Session, task_id: int, user: User) -> tuple[HumanTask, LockedTask]:
    """Lock the task's instance, then check the task against the user's rights."""
    locked = lock_task(session, task_id)
    task = check_task(session, locked.task, user, for_action=True)
    if not task.is_open:
        who = f" by user {task.completed_by_id}" if task.completed_by_id else ""
        raise Conflict(f"task {task_id} is already {task.state}{who}",
                       {"task_id": task_id, "state": task.state})
    require_running(locked.instance)
    return task, locked


def _taken_by_other(task: HumanTask, user: User) -> bool:
    return task.assignee_id is not None and task.assignee_id != user.id


def claim_task(session: Session, rt: Runtime, task_id: int, user: User) -> HumanTask:
    """Take an offered task; claiming one's own task again is a no-op."""
    task, locked = _lock_task(session, task_id, user)
    instance = locked.instance
    if _taken_by_other(task, user):
        raise Conflict(f"task {task_id} is already claimed by someone else",
                       {"task_id": task_id, "assignee_id": task.assignee_id})
    if task.assignee_id == user.id:
        return task
    now = rt.clock.now()
    task.assignee_id, task.state, task.claimed_at = user.id, TaskStatus.CLAIMED, now
    flag_modified(instance, "state")  # bump the version: a stale concurrent command fails
    record(session, "task_claimed", at=now, actor=user, task=task)
    return task


def note_opened(session: Session, rt: Runtime, task: HumanTask, user: User) -> bool:
    """Record when the task's assignee first opens it (once; False when nothing changed).

    One conditional UPDATE of the task row, never the instance: opening a task is no change
    to the process, so it neither locks the instance nor conflicts with a command on it.
    """
    if task.first_opened_at is not None or task.assignee_id != user.id or not task.is_open:
        return False
    now = rt.clock.now()
    result = session.execute(update(HumanTask).where(
        HumanTask.id == task.id, HumanTask.assignee_id == user.id,
        HumanTask.first_opened_at.is_(None)).values(first_opened_at=now))
    changed = cast(CursorResult[Any], result).rowcount
    if changed:
        set_committed_value(task, "first_opened_at", now)
    return bool(changed)


def unclaim_task(session: Session, rt: Runtime, task_id: int, user: User) -> HumanTask:
    """Give a claimed task back to its role."""
    task, locked = _lock_task(session, task_id, user)
    instance = locked.instance
    if task.assignee_id != user.id:
        raise Forbidden("only the assignee can give a task back")
    if not user.has_role(task.role):
        raise Forbidden("you do not hold this task's role, so nobody could take it back")
    now = rt.clock.now()
    task.assignee_id, task.state, task.claimed_at = None, TaskStatus.READY, None
    flag_modified(instance, "state")
    record(session, "task_unclaimed", at=now, actor=user, task=task)
    return task


def complete_task(session: Session, rt: Runtime, task_id: int, user: User,
                  data: dict[str, Any]) -> HumanTask:
    """Validate `data` against the task's form, complete it and run to the next wait state.

    A substitute completes the tasks of the colleague they stand in for (the audit event
    names that colleague as `for`)."""
    task, locked = _lock_task(session, task_id, user)
    audit: dict[str, Any] | None = None
    if _taken_by_other(task, user):
        if not holds_for(user, task, sight_of(session, user)):
            raise Conflict(f"task {task_id} is claimed by someone else",
                           {"task_id": task_id, "assignee_id": task.assignee_id})
        audit = {"for": task.assignee.username if task.assignee else None}
    complete_locked(session, rt, locked.instance, task, data, actor=user, audit=audit,
                    open_tasks=locked.open_tasks)
    return task


def complete_locked(session: Session, rt: Runtime, instance: ProcessInstance, task: HumanTask,
                    data: dict[str, Any], *, actor: User | None,
                    audit: dict[str, Any] | None = None,
                    also: Callable[[datetime], None] | None = None,
                    open_tasks: list[HumanTask] | None = None) -> None:
    """Complete `task` of the locked, running `instance` with `data` and run to the next wait
    state: every way of completing a task ends here once it has checked who may.

    `data` is checked against the task's form (InvalidData) and the data limits; `actor`
    (None: the system, e.g. a customer's link) becomes the task's completer, `audit` is
    added to the `task_completed` event's data and `also` runs with the task's completion,
    so that it is undone with it. `open_tasks`, the instance's open tasks as read with the
    lock, spares reading them again. TaskVanished (a Conflict) when the workflow no longer
    has the task.
    """
    compiled, workflow = restore(rt, instance)
    schema = compiled.forms.get(task.form_key) if task.form_key else None
    submitted = check_data(validate_submission(schema, data))
    spiff_task = workflow.get_task_from_id(UUID(task.spiff_task_id))
    if spiff_task is None:
        raise TaskVanished(f"task {task.id} no longer exists in its workflow")
    now = rt.clock.now()

    def step() -> None:
        # Inside the run's savepoint: should the state reached be unsavable, the task stays
        # open (and whatever `also` changed is undone).
        task.state, task.completed_at = TaskStatus.COMPLETED, now
        if actor is not None:
            task.completed_by_id = actor.id
            if task.assignee_id is None:
                task.assignee_id, task.claimed_at = actor.id, now
        if also is not None:
            also(now)
        record(session, "task_completed", at=now, actor=actor, task=task,
               data={"data": submitted, **(audit or {})})
        forget_decisions(schema, spiff_task.data, submitted)
        spiff_task.data.update(submitted)
        spiff_task.run()

    run_engine_steps(session, rt, instance, workflow, now=now, actor=actor, step=step,
                     open_tasks=open_tasks)
