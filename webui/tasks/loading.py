"""Everything the task page shows about one task, loaded through the user's rights."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from engine.models import AuditEvent, HumanTask, ProcessInstance, User
from engine.queries import instance_data
from engine.runtime.access import can_act_on, load_task

from ..context import db, workflow_engine
from ..display import schema_title


@dataclass
class TaskContext:
    """A task, its instance, its form and the instance's data as context."""

    task: HumanTask
    instance: ProcessInstance
    schema: dict[str, Any]
    data: dict[str, Any]
    labels: dict[str, str]
    submitted: dict[str, Any] | None
    may_work: bool
    may_claim: bool
    may_unclaim: bool
    assignee: User | None


def field_labels(forms: dict[str, dict[str, Any]]) -> dict[str, str]:
    """Property name -> title across a process's forms (to label instance data)."""
    labels: dict[str, str] = {}
    for schema in forms.values():
        for name, prop in (schema.get("properties") or {}).items():
            if isinstance(prop, dict):
                labels.setdefault(name, schema_title(prop, name))
    return labels


def load_task_context(task_id: int, user: User) -> TaskContext:
    """The task if `user` may see it (404 otherwise), with form and context data."""
    session = db()
    task = load_task(session, task_id, user, for_action=False)
    instance = session.get(ProcessInstance, task.instance_id)
    assert instance is not None
    compiled = workflow_engine().runtime.specs.get(instance.definition)
    schema = compiled.forms.get(task.form_key, {}) if task.form_key else {}
    submitted = None
    if task.state == "completed":
        event = session.scalars(select(AuditEvent).where(
            AuditEvent.task_id == task.id, AuditEvent.action == "task_completed")
            .order_by(AuditEvent.id.desc())).first()
        submitted = (event.data or {}).get("data") if event else None
    is_open = task.is_open and instance.status == "running"
    mine = task.assignee_id == user.id
    return TaskContext(
        task=task, instance=instance, schema=schema,
        data=instance_data(workflow_engine().runtime, instance),
        labels=field_labels(compiled.forms), submitted=submitted,
        may_work=is_open and mine and can_act_on(user, task),
        may_claim=is_open and task.assignee_id is None and user.has_role(task.role),
        may_unclaim=is_open and mine and user.has_role(task.role),
        assignee=task.assignee,
    )
