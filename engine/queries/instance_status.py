"""An instance's status as the API answers it: header, data, open tasks and history, read
with SQLAlchemy Core in two statements (the instance page, which also restores the diagram's
states, keeps engine.queries.instances.get_instance).

The status call is the last read of every instance a client drives; loading ORM objects for
it (the instance, its version, owner, tasks and every audit event, each with its identity
map entry) cost several times the statements themselves, so it reads records: plain rows
with the names joined in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import and_, bindparam, select

from engine.errors import NotFound
from engine.models import AuditEvent, ProcessDefinition, ProcessInstance, User
from engine.runtime.access import is_open, may_cancel, plainly_sees

from .instances import StoredDefinition, load_instance, state_data
from .read_statements import ReadStatement
from .read_types import quick_json
from .task_records import ASSIGNEE, TASK, TASK_COLUMNS, Reads, TaskRecord, mostly_null, orm, reading

if TYPE_CHECKING:
    from engine.workflow_engine import WorkflowEngine

_INSTANCE = ProcessInstance.__table__
_DEFINITION = ProcessDefinition.__table__
_EVENT = AuditEvent.__table__
_OWNER = User.__table__.alias("owner")
_ACTOR = User.__table__.alias("actor")


class InstanceRecord(NamedTuple):
    """The header of an instance: its row, its version's key and names, its owner's name
    (named tuples, as TaskRecord: made in one call, read by name)."""

    id: int
    status: str
    business_key: str | None
    customer_name: str | None
    started_at: datetime
    ended_at: datetime | None
    error: dict[str, Any] | None
    archived_at: datetime | None
    outcome: dict[str, Any] | None
    owner_id: int | None
    started_by_id: int | None
    process_key: str
    version: int
    name: str
    name_en: str
    owner_name: str | None


# JSON documents decoded as engine.queries.read_types does.
_HEADER = (_INSTANCE.c.id, _INSTANCE.c.status, _INSTANCE.c.business_key,
           _INSTANCE.c.customer_name, _INSTANCE.c.started_at, _INSTANCE.c.ended_at,
           mostly_null(_INSTANCE.c.error), _INSTANCE.c.archived_at,
           quick_json(_INSTANCE.c.outcome),
           _INSTANCE.c.owner_id, _INSTANCE.c.started_by_id, _DEFINITION.c.key,
           _DEFINITION.c.version, _DEFINITION.c.name, _DEFINITION.c.name_en,
           _OWNER.c.username)


class EventRecord(NamedTuple):
    """One audit event of the history, with its actor's user name."""

    at: datetime
    action: str
    actor_id: int | None
    task_id: int | None
    bpmn_id: str | None
    data: dict[str, Any] | None
    actor_name: str | None


@dataclass
class StatusView:
    """What a user may know of an instance; `data` may be the kept dict itself (serialize
    it, never change it)."""

    instance: InstanceRecord
    data: dict[str, Any]
    open_tasks: list[TaskRecord]
    history: list[EventRecord]
    may_cancel: bool


# The header with its open tasks (one row each, or one row of NULLs), then the state and
# version that its data needs. Both statements are sent in their compiled form
# (engine.queries.read_statements: on SQLite straight to the driver).
_INSTANCE_AND_OPEN_TASKS = ReadStatement(
    select(*_HEADER, *TASK_COLUMNS, ASSIGNEE.c.username, _INSTANCE.c.state,
           _DEFINITION.c.id, _DEFINITION.c.content_hash)
    .select_from(_INSTANCE)
    .join(_DEFINITION, _DEFINITION.c.id == _INSTANCE.c.definition_id)
    .outerjoin(_OWNER, _OWNER.c.id == _INSTANCE.c.owner_id)
    .outerjoin(TASK, and_(TASK.c.instance_id == _INSTANCE.c.id, is_open(TASK.c.state)))
    .outerjoin(ASSIGNEE, ASSIGNEE.c.id == TASK.c.assignee_id)
    .where(_INSTANCE.c.id == bindparam("instance_id"))
    .order_by(TASK.c.id)
)
_HISTORY = ReadStatement(
    select(_EVENT.c.at, _EVENT.c.action, _EVENT.c.actor_id, _EVENT.c.task_id,
           _EVENT.c.bpmn_id, quick_json(_EVENT.c.data), _ACTOR.c.username)
    .outerjoin(_ACTOR, _ACTOR.c.id == _EVENT.c.actor_id)
    .where(_EVENT.c.instance_id == bindparam("instance_id"))
    .order_by(_EVENT.c.id)
)


def instance_status(session: Reads, kf: WorkflowEngine, instance_id: int, user: User
                    ) -> StatusView:
    """The instance if `user` may see it (NotFound otherwise: no IDOR), with its data, open
    tasks and history. Two statements when it is plainly theirs to see (they own or started
    it, or see everything), else the full rule of `load_instance` decides first."""
    connection = reading(session)
    rows = _INSTANCE_AND_OPEN_TASKS.rows(connection, {"instance_id": instance_id})
    if not rows:
        raise NotFound(f"instance {instance_id} not found")
    first = rows[0]
    header = InstanceRecord._make(first[:len(_HEADER)])
    if not plainly_sees(user, header.owner_id, header.started_by_id):
        load_instance(orm(session), instance_id, user)  # NotFound unless the rule lets them see it
    tasks_at = len(_HEADER)
    open_tasks = [TaskRecord.of(row, tasks_at) for row in rows if row[tasks_at] is not None]
    state, definition_id, content_hash = first[tasks_at + len(TASK_COLUMNS) + 1:]
    data: dict[str, Any] = {}
    if header.archived_at is None:
        definition = StoredDefinition(session, definition_id, header.process_key, content_hash)
        try:
            data = state_data(kf, definition, state, shared=True)
        except Exception:  # a damaged state: the status still shows the error and history
            data = {}
    history = list(map(EventRecord._make, _HISTORY.rows(connection, {"instance_id": instance_id})))
    return StatusView(header, data, open_tasks, history,
                          may_cancel(user, header.started_by_id))
