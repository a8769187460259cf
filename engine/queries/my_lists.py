"""A person's lists beside the inbox, each paginated by a cursor: the instances they started
or own (or the department's, for leaders), the tasks they completed, and the department's
open tasks (leaders).

Pages are keyset pages: a page of `limit` rows and the opaque cursor of the next page (None
on the last), so a page costs the same wherever it is and rows arriving meanwhile neither
repeat nor vanish. Every list stays inside the visibility rule (engine.runtime.access).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, and_, func, literal, or_, select
from sqlalchemy.orm import Session, aliased

from engine.errors import Forbidden, InvalidData
from engine.models import (
    OPEN_TASK_STATES,
    HumanTask,
    ProcessDefinition,
    ProcessInstance,
    TaskStatus,
    User,
)
from engine.roles import SEES_ALL_ROLES
from engine.runtime.access import instances_visible, sight_of, tasks_visible

INSTANCE_SCOPES = ("started", "team", "all")
MAX_LIMIT = 100
NEVER = datetime(9999, 12, 31, tzinfo=UTC)  # sorts tasks without a due time last
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

T = TypeVar("T")


@dataclass
class Page(Generic[T]):
    """One page of a list and the cursor of the next (None: this is the last)."""

    rows: list[T]
    next: str | None


@dataclass
class InstanceRow:
    """An instance as the lists show it, with its owner's and starter's user names."""

    instance: ProcessInstance
    owner: str | None
    started_by: str | None
    open_tasks: int


@dataclass
class TaskRow:
    """A task with its process's names and the user name of whoever holds or did it."""

    task: HumanTask
    process_name: str
    process_name_en: str
    assignee: str | None


def sees_department(user: User) -> bool:
    """Leaders (and process owners, admins) have the department's lists."""
    return bool(user.role_names & SEES_ALL_ROLES)


def _limit(limit: int) -> int:
    return max(1, min(limit, MAX_LIMIT))


def _cursor_parts(cursor: str | None) -> tuple[datetime, int] | None:
    """A cursor `<microseconds since the epoch>.<id>` as its sort time and id."""
    if not cursor:
        return None
    try:
        micros, row_id = (int(part) for part in cursor.split(".", 1))
        return EPOCH + timedelta(microseconds=micros), row_id
    except (ValueError, OverflowError) as err:
        raise InvalidData("the cursor is not one this list gave", {"cursor": "invalid"}) from err


def _cursor(at: datetime, row_id: int) -> str:
    return f"{(at - EPOCH) // timedelta(microseconds=1)}.{row_id}"


def _page(rows: list[Any], limit: int, key: Any) -> tuple[list[Any], str | None]:
    """The first `limit` of `rows` (fetched one more) and the next page's cursor."""
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, _cursor(*key(rows[-1]))


def _before(sort: Any, ident: Any, at: datetime, row_id: int) -> ColumnElement[bool]:
    return or_(sort < at, and_(sort == at, ident < row_id))


def _after(sort: Any, ident: Any, at: datetime, row_id: int) -> ColumnElement[bool]:
    return or_(sort > at, and_(sort == at, ident > row_id))


def instance_list(session: Session, user: User, scope: str = "started", *,
                  cursor: str | None = None, limit: int = 50) -> Page[InstanceRow]:
    """Instances, newest first: `started` — those `user` started or owns; `team` — the
    department's (leaders, process owners and admins; Forbidden for others); `all` —
    every instance `user` may see."""
    if scope not in INSTANCE_SCOPES:
        raise InvalidData(f"scope must be one of {', '.join(INSTANCE_SCOPES)}",
                          {"scope": "invalid"})
    if scope == "team" and not sees_department(user):
        raise Forbidden("the department's instances are for its leaders")
    limit = _limit(limit)
    owner, starter = aliased(User), aliased(User)
    open_tasks = (select(func.count(HumanTask.id))
                  .where(HumanTask.instance_id == ProcessInstance.id,
                         HumanTask.state.in_(OPEN_TASK_STATES))
                  .correlate(ProcessInstance).scalar_subquery())
    query = (select(ProcessInstance, owner.username, starter.username, open_tasks)
             .outerjoin(owner, owner.id == ProcessInstance.owner_id)
             .outerjoin(starter, starter.id == ProcessInstance.started_by_id)
             .where(instances_visible(sight_of(session, user))))
    if scope == "started":
        query = query.where(or_(ProcessInstance.started_by_id == user.id,
                                ProcessInstance.owner_id == user.id))
    after = _cursor_parts(cursor)
    if after is not None:
        query = query.where(_before(ProcessInstance.started_at, ProcessInstance.id, *after))
    query = query.order_by(ProcessInstance.started_at.desc(), ProcessInstance.id.desc())
    found = [InstanceRow(i, o, s, int(n or 0))
             for i, o, s, n in session.execute(query.limit(limit + 1)).tuples()]
    rows, following = _page(found, limit, lambda r: (r.instance.started_at, r.instance.id))
    return Page(rows, following)


def _task_rows(session: Session, query: Any) -> list[TaskRow]:
    return [TaskRow(t, name, name_en, who) for t, name, name_en, who
            in session.execute(query).tuples()]


def _task_query() -> Any:
    holder = aliased(User)
    return (select(HumanTask, ProcessDefinition.name, ProcessDefinition.name_en,
                   holder.username)
            .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
            .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
            .outerjoin(holder, holder.id == HumanTask.assignee_id))


def completed_tasks(session: Session, user: User, *, cursor: str | None = None,
                    limit: int = 50) -> Page[TaskRow]:
    """The tasks `user` completed, the latest first."""
    limit = _limit(limit)
    query = _task_query().where(HumanTask.completed_by_id == user.id,
                                HumanTask.state == TaskStatus.COMPLETED)
    after = _cursor_parts(cursor)
    if after is not None:
        query = query.where(_before(HumanTask.completed_at, HumanTask.id, *after))
    query = query.order_by(HumanTask.completed_at.desc(), HumanTask.id.desc())
    rows, following = _page(_task_rows(session, query.limit(limit + 1)), limit,
                            lambda r: (r.task.completed_at, r.task.id))
    return Page(rows, following)


def department_open_tasks(session: Session, user: User, *, cursor: str | None = None,
                          limit: int = 50) -> Page[TaskRow]:
    """Every open task of the department, the soonest due first (those without a due time
    last), with who holds it: for leaders, process owners and admins (Forbidden otherwise)."""
    if not sees_department(user):
        raise Forbidden("the department's open tasks are for its leaders")
    limit = _limit(limit)
    due = func.coalesce(HumanTask.due_at, literal(NEVER, HumanTask.due_at.type))
    query = _task_query().where(HumanTask.state.in_(OPEN_TASK_STATES),
                                tasks_visible(sight_of(session, user)))
    after = _cursor_parts(cursor)
    if after is not None:
        query = query.where(_after(due, HumanTask.id, *after))
    query = query.order_by(due, HumanTask.id)
    rows, following = _page(_task_rows(session, query.limit(limit + 1)), limit,
                            lambda r: (r.task.due_at or NEVER, r.task.id))
    return Page(rows, following)
