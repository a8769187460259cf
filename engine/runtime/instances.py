"""Starting and cancelling instances."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from engine.audit import record
from engine.deployment import CompiledProcess
from engine.deployment.start_form import start_form_key
from engine.errors import Conflict, Forbidden, InvalidData, NotFound
from engine.forms import validate_submission
from engine.models import (
    ACTIVE_STATUSES,
    OPEN_TASK_STATES,
    HumanTask,
    InstanceStatus,
    ProcessDefinition,
    ProcessInstance,
    TaskStatus,
    User,
)
from engine.orm_rows import new_row
from engine.queries.definitions import current_definition

from .access import can_cancel, may_handle_incidents, may_start
from .assignment import instance_owner
from .context import Runtime
from .data_limits import check_data
from .state import lock_instance, restore, run_engine_steps, save
from .writes import insert_instance, write_command


def definition_to_start(session: Session, key: str) -> ProcessDefinition:
    """The current version of process `key` (the newest unless an earlier one was made
    current)."""
    definition = current_definition(session, key)
    if definition is None:
        raise NotFound(f"process {key!r} is not deployed")
    return definition


def start_instance(session: Session, rt: Runtime, key: str, user: User, *,
                   data: dict[str, Any] | None = None, business_key: str | None = None,
                   customer_name: str | None = None, owner: str | None = None
                   ) -> ProcessInstance:
    """Start the current version of `key` and run it to its first wait state.

    The instance's owner (who keeps its senior-manager tasks and always sees it) is the
    starter when they are a senior manager, or the senior manager named by `owner` (a user
    name; only leaders and admins may name one — see `instance_owner`).

    The start data is checked first (InvalidData, nothing stored): against the start
    event's form when it has one, else against the limits of engine.runtime.data_limits.
    The customer, when known at the start, is both the instance's `customer_name` column and
    its `customer_name` process variable: either one given fills in the other (the keyword
    wins if they differ). Processes that learn the name later set it with the
    `keyflow.set_customer` service (engine.services.customers).

    A start that fails on its first steps still creates the instance, in `error` with the
    reason: the caller sees its status.
    """
    definition = definition_to_start(session, key)
    if not may_start(user, definition):
        raise Forbidden(f"you may not start {key!r}")
    owner_user = instance_owner(session, user, owner)
    compiled = rt.specs.get(definition)
    now = rt.clock.now()
    if not isinstance(data, dict | None):
        raise InvalidData("the start data must be an object", {"": "must be an object"})
    data = dict(data or {})
    customer_name = _customer_name(customer_name, data)
    if customer_name is not None:
        data["customer_name"] = customer_name
    data = _checked_start_data(compiled, data)
    workflow = _new_workflow(rt, compiled, data)
    instance = new_row(ProcessInstance, {
        "definition_id": definition.id, "business_key": business_key,
        "customer_name": customer_name, "status": InstanceStatus.RUNNING,
        "started_by_id": user.id, "owner_id": owner_user.id if owner_user else None,
        "started_at": now, "state": NOT_YET_RUN})
    # Its objects as loaded with it (no history to keep: insert_instance writes the ids).
    set_committed_value(instance, "definition", definition)
    set_committed_value(instance, "started_by", user)
    set_committed_value(instance, "owner", owner_user)
    insert_instance(session, instance)
    record(session, "instance_started", at=now, actor=user, instance=instance,
           data={"version": definition.version, "data": data,
                 "business_key": business_key,
                 "owner": owner_user.username if owner_user else None})
    write_command(session, instance)  # the event now, not by a flush as the run begins
    run_engine_steps(session, rt, instance, workflow, now=now, actor=user, open_tasks=[])
    if instance.state == NOT_YET_RUN:  # the run's state could not be saved (nor anything of
        # the run): the instance keeps the state it started in, as its last good state
        instance.state = rt.serializer.dumps(_new_workflow(rt, compiled, data))
        write_command(session, instance)
    return instance


# The state a new instance's row holds until its first run replaces it, in the same command.
# The row is written before that run (whatever the run writes points at it), and its state
# is only needed should the run's state not be saved; serializing the start state up front
# for that rare case cost ~7% of every start. Not a state the serializer reads (should it
# ever be read, the instance's state is unreadable: an incident, not a wrong state).
NOT_YET_RUN = '{"format":"keyflow-not-yet-run"}'


def _new_workflow(rt: Runtime, compiled: CompiledProcess, data: dict[str, Any]
                  ) -> BpmnWorkflow:
    """A new workflow of `compiled`, with the start data on its ready task: its root, the
    only task SpiffWorkflow's Workflow.__init__ makes ready (it predicts the whole tree,
    which finding ready tasks by a walk would go through again)."""
    workflow = BpmnWorkflow(compiled.spec, compiled.subprocess_specs,
                            script_engine=rt.script_engine())
    root = workflow.task_tree
    ready = [root] if root.state == TaskState.READY else workflow.get_tasks(
        state=TaskState.READY)
    for task in ready:
        task.data.update(data)
    return workflow


def _checked_start_data(compiled: CompiledProcess, data: Any) -> dict[str, Any]:
    """The start data if its start form (or, without one, the generic limits) accept it."""
    form_key = start_form_key(compiled.spec)
    if form_key is None:
        return check_data(data, free_names=True)
    return check_data(validate_submission(compiled.forms.get(form_key), data))


def _customer_name(given: str | None, data: dict[str, Any]) -> str | None:
    """The start's customer name: the keyword, else a text `customer_name` in the data."""
    name = given if given is not None else data.get("customer_name")
    if not isinstance(name, str) or not name.strip():
        return None
    return name.strip()[:200]


def cancel_instance(session: Session, rt: Runtime, instance_id: int, user: User,
                    reason: str = "") -> ProcessInstance:
    """Cancel a running or failed instance; its open tasks are cancelled with it.

    The starter, department heads and admins cancel; process owners cancel failed instances.
    A failed instance needs a reason (InvalidData otherwise). When the saved state cannot be
    loaded any more, the instance is still cancelled: its open task rows are withdrawn and
    the damaged state is left as it is (the audit event says so).
    """
    instance = lock_instance(session, instance_id)
    if not (can_cancel(user, instance)
            or (instance.status == InstanceStatus.ERROR and may_handle_incidents(user))):
        raise Forbidden("you may not cancel this instance")
    if instance.status not in ACTIVE_STATUSES:
        raise Conflict(f"instance {instance.id} is {instance.status}",
                       {"instance_id": instance.id, "status": instance.status})
    reason = reason.strip()
    if instance.status == InstanceStatus.ERROR and not reason:
        raise InvalidData("say why the failed instance is cancelled",
                          {"reason": "a reason is required"})
    now = rt.clock.now()
    details: dict[str, Any] = {"reason": reason}
    workflow: BpmnWorkflow | None
    try:
        _, workflow = restore(rt, instance)
        workflow.cancel()
    except Exception as err:  # a damaged state must not keep an instance from ending
        workflow = None
        details["state_unreadable"] = f"{type(err).__name__}: {err}"[:500]
    instance.status = InstanceStatus.CANCELLED
    instance.ended_at = now
    record(session, "instance_cancelled", at=now, actor=user, instance=instance, data=details)
    if workflow is not None:
        save(rt, instance, workflow, now=now, actor=user, session=session)
    else:
        instance.next_wakeup_at = None
        _withdraw_open_tasks(session, instance, now)
    return instance


def _withdraw_open_tasks(session: Session, instance: ProcessInstance, now: datetime) -> None:
    """Cancel the instance's open task rows without its workflow (see sync_tasks)."""
    for row in session.scalars(select(HumanTask).where(
            HumanTask.instance_id == instance.id, HumanTask.state.in_(OPEN_TASK_STATES))):
        row.state = TaskStatus.CANCELLED
        record(session, "task_cancelled", at=now, instance=instance, task=row)
