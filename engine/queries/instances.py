"""One instance as a user may see it: its data, open tasks, history and diagram states."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import and_, bindparam, select
from sqlalchemy.orm import Session, aliased, joinedload

from engine.bpmn.history import bpmn_source, path_of
from engine.errors import NotFound
from engine.models import (
    ACTIVE_STATUSES,
    OPEN_TASK_STATES,
    AuditEvent,
    HumanTask,
    ProcessDefinition,
    ProcessInstance,
    User,
)
from engine.runtime.access import can_cancel, can_see_instance, may_handle_incidents
from engine.runtime.latest_data import data_of, keep_data, kept_data

from .incidents import Incident, incident_of
from .task_records import Reads, reading

if TYPE_CHECKING:
    from engine.workflow_engine import WorkflowEngine


@dataclass
class InstanceView:
    """What a user may know about an instance."""

    instance: ProcessInstance
    data: dict[str, Any]
    open_tasks: list[HumanTask]
    history: list[AuditEvent]
    state_readable: bool = True  # False: the saved state no longer loads (data is empty)
    usernames: dict[int, str] = field(default_factory=dict)  # its actors' and assignees'
    may_cancel: bool = False  # whether the user may cancel it (were it still active)


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


def instance_data(kf: WorkflowEngine, instance: ProcessInstance) -> dict[str, Any]:
    """The process variables as the latest step sees them (restores the workflow, unless
    the data of this very state is kept: engine.runtime.latest_data); none once the instance
    is archived (engine.retention dropped its state)."""
    if instance.archived_at is not None:
        return {}
    return state_data(kf, instance.definition, instance.state)


def state_data(kf: WorkflowEngine, definition: ProcessDefinition | StoredDefinition,
               state: str, *, shared: bool = False) -> dict[str, Any]:
    """`instance_data` of a saved `state` of `definition` (not archived); with `shared`, the
    kept dict itself when there is one, for a reply that only serializes it."""
    kept = kept_data(definition.id, state, shared=shared)
    if kept is not None:
        return kept
    rt = kf.runtime
    compiled = rt.specs.get(cast(ProcessDefinition, definition))
    workflow = rt.serializer.loads(state, compiled.spec, compiled.subprocess_specs)
    data = data_of(workflow)
    assert data is not None  # without `single`, always
    keep_data(definition.id, state, data)
    return data


@dataclass(frozen=True)
class StoredDefinition:
    """What the spec cache reads of a process version read with Core: its id, key and
    content hash, and its files only on a miss (a statement then, as for the ORM's
    deferred column)."""

    session: Reads
    id: int
    key: str
    content_hash: str

    @property
    def files(self) -> dict[str, Any]:
        """The version's stored files."""
        files: dict[str, Any] = reading(self.session).execute(
            select(ProcessDefinition.files).where(ProcessDefinition.id == self.id)).scalar_one()
        return files


_assignee = aliased(User)
_INSTANCE_AND_OPEN_TASKS = (
    select(ProcessInstance, HumanTask, _assignee.username)
    .outerjoin(HumanTask, and_(HumanTask.instance_id == ProcessInstance.id,
                               HumanTask.state.in_(OPEN_TASK_STATES)))
    .outerjoin(_assignee, _assignee.id == HumanTask.assignee_id)
    .where(ProcessInstance.id == bindparam("instance_id"))
    .options(joinedload(ProcessInstance.owner).lazyload(User.roles))
    .order_by(HumanTask.id)
)
_HISTORY_AND_ACTORS = (
    select(AuditEvent, User.username).outerjoin(User, User.id == AuditEvent.actor_id)
    .where(AuditEvent.instance_id == bindparam("instance_id")).order_by(AuditEvent.id)
)


def get_instance(session: Session, kf: WorkflowEngine, instance_id: int, user: User
                 ) -> InstanceView:
    """An instance with its data, open tasks and history, checked against `user`'s rights.

    Two statements in the common case: the instance with its owner and its open tasks with
    their assignees' names, then its history with its actors' names.
    """
    rows = session.execute(_INSTANCE_AND_OPEN_TASKS, {"instance_id": instance_id}).all()
    instance = rows[0][0] if rows else None
    if instance is None or not can_see_instance(session, user, instance):
        raise NotFound(f"instance {instance_id} not found")
    open_tasks = [task for _, task, _ in rows if task is not None]
    names = {task.assignee_id: name for _, task, name in rows
             if task is not None and task.assignee_id is not None and name is not None}
    try:
        data, readable = instance_data(kf, instance), True
    except Exception:  # a damaged state: the page still shows the error, history and actions
        data, readable = {}, False
    history = []
    for event, actor in session.execute(_HISTORY_AND_ACTORS, {"instance_id": instance.id}):
        history.append(event)
        if event.actor_id is not None and actor is not None:
            names[event.actor_id] = actor
    return InstanceView(instance, data, open_tasks, history, readable, names,
                        can_cancel(user, instance))


@dataclass
class ElementStates:
    """BPMN element ids an instance has passed through, where it waits, and the steps taken
    as (from, to) element id pairs (a viewer marks the sequence flows between them)."""

    completed: list[str]
    active: list[str]
    taken: list[tuple[str, str]]


@dataclass
class InstancePage:
    """The instance page: the view, the diagram's states, and the incident if it failed."""

    view: InstanceView
    states: ElementStates
    incident: Incident | None  # only for those who handle incidents
    forms: dict[str, dict[str, Any]]  # its version's forms, by key (to label its data)

    @property
    def may_cancel(self) -> bool:
        """Whether the cancel form is offered: the user's right on an instance still active."""
        return self.view.may_cancel and self.view.instance.status in ACTIVE_STATUSES


def instance_page(session: Session, kf: WorkflowEngine, instance_id: int, user: User
                  ) -> InstancePage:
    """Everything the instance page shows, checked against `user`'s rights."""
    view = get_instance(session, kf, instance_id, user)
    states = element_states(kf, view.instance) if view.state_readable else ElementStates(
        [], [], [])
    # Process owners and admins get the incident's actions (retry, move and retry, cancel).
    incident = incident_of(session, kf, view.instance) if may_handle_incidents(user) else None
    forms = kf.runtime.specs.get(view.instance.definition).forms
    return InstancePage(view, states, incident, forms)


def instance_diagram(session: Session, kf: WorkflowEngine, instance_id: int, user: User
                     ) -> str:
    """The BPMN XML of the version an instance runs on, if `user` may see the instance."""
    instance = load_instance(session, instance_id, user)
    compiled = kf.runtime.specs.get(instance.definition)
    return str(compiled.files[compiled.spec.file])


def element_states(kf: WorkflowEngine, instance: ProcessInstance) -> ElementStates:
    """Completed, active and traversed elements of the top-level process (restores the
    workflow; for the instance page, never for inboxes), with those of the tasks its saved
    state pruned (engine.bpmn.history). An archived instance answers the path stored when
    its state was dropped (engine.retention)."""
    if instance.archived_at is not None:
        path = instance.archived_path or {}
        return ElementStates([str(e) for e in path.get("completed", [])], [],
                             [(str(a), str(b)) for a, b in path.get("taken", [])])
    rt = kf.runtime
    compiled = rt.specs.get(instance.definition)
    workflow = rt.serializer.loads(instance.state, compiled.spec, compiled.subprocess_specs)
    return workflow_states(workflow, still_running=instance.status in ACTIVE_STATUSES)


def workflow_states(workflow: Any, *, still_running: bool) -> ElementStates:
    """Completed, active (if `still_running`) and traversed elements of a top-level workflow,
    those of the tasks its saved state pruned included."""
    pruned = path_of(workflow)  # what the saved state keeps of the tasks it no longer holds
    completed: dict[str, None] = dict(pruned.completed)
    active: dict[str, None] = {}
    taken: dict[tuple[str, str], None] = dict(pruned.taken)
    waiting = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR
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
        source = bpmn_source(task)
        if source is not None:
            taken[(source, bpmn_id)] = None
    return ElementStates(list(completed), list(active), list(taken))
