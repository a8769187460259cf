"""Engine objects as JSON: the shapes the OpenAPI document describes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import request
from werkzeug.exceptions import BadRequest

from engine.errors import InvalidData, MalformedRequest
from engine.models import (
    HumanTask,
    InstanceStatus,
    ProcessDefinition,
    ProcessInstance,
)
from engine.outcomes import OUTCOMES
from engine.queries.instance_status import InstanceRecord, StatusView
from engine.queries.task_records import TaskRecord

from ..i18n import _, pick


def iso(value: datetime | None) -> str | None:
    """An aware datetime as ISO 8601, or None."""
    return value.isoformat() if value is not None else None


def request_json() -> Any:
    """The request's parsed JSON ({} when the body is empty); 400 if it is not JSON."""
    if not request.get_data(cache=True):
        return {}
    try:
        return request.get_json(force=True)  # depth and NUL checked by webui.request_input
    except BadRequest as err:
        raise MalformedRequest("the body is not valid JSON") from err


def json_body() -> dict[str, Any]:
    """The request's JSON object ({} when empty); 400 if not JSON, 422 if not an object.
    (The API's own routes check their bodies against the document: contract.request_body.)"""
    body = request_json()
    if not isinstance(body, dict):
        raise InvalidData("the body must be a JSON object", {"": "must be an object"})
    return body


def definition_json(d: ProcessDefinition) -> dict[str, Any]:
    """A deployed process version."""
    return {"key": d.key, "version": d.version, "name": d.name, "name_en": d.name_en,
            "lanes": list(d.lanes), "deployed_at": iso(d.deployed_at)}


def task_json(t: HumanTask, now: datetime, usernames: dict[int, str] | None = None
              ) -> dict[str, Any]:
    """A task as the inbox knows it (from human_task only)."""
    names = usernames or {}
    assignee = None
    if t.assignee_id is not None:
        assignee = names.get(t.assignee_id) or (t.assignee.username if t.assignee else None)
    return {
        "id": t.id, "instance_id": t.instance_id, "process": t.process_key,
        "bpmn_id": t.bpmn_id, "name": t.name, "name_en": t.name_en, "role": t.role,
        "state": t.state, "assignee": assignee, "customer_name": t.customer_name,
        "form_key": t.form_key, "created_at": iso(t.created_at), "due_at": iso(t.due_at),
        "overdue": bool(t.is_open and t.due_at is not None and t.due_at < now),
        "completed_at": iso(t.completed_at),
    }


def record_json(t: TaskRecord, now: datetime) -> dict[str, Any]:
    """A task read as a record (engine.queries.task_records): `task_json`'s shape, built from
    the row as read, its assignee's name included."""
    return {
        "id": t.id, "instance_id": t.instance_id, "process": t.process_key,
        "bpmn_id": t.bpmn_id, "name": t.name, "name_en": t.name_en, "role": t.role,
        "state": t.state, "assignee": t.assignee_name if t.assignee_id is not None else None,
        "customer_name": t.customer_name, "form_key": t.form_key,
        "created_at": iso(t.created_at), "due_at": iso(t.due_at),
        "overdue": bool(t.is_open and t.due_at is not None and t.due_at < now),
        "completed_at": iso(t.completed_at),
    }


def instance_json(i: ProcessInstance) -> dict[str, Any]:
    """An instance's header fields."""
    return {"id": i.id, "process": i.definition.key, "version": i.definition.version,
            "name": i.definition.name, "name_en": i.definition.name_en, "status": i.status,
            "business_key": i.business_key, "customer_name": i.customer_name,
            "started_at": iso(i.started_at), "ended_at": iso(i.ended_at), "error": i.error,
            "owner": i.owner.username if i.owner is not None else None,
            "archived_at": iso(i.archived_at), "outcome": outcome_json(i)}


def status_json(view: StatusView, now: datetime) -> dict[str, Any]:
    """An instance's status (`GET /api/instances/{id}`) from the records read for it: the
    shape of `instance_json` with its data, open tasks, history and whether one may cancel."""
    i = view.instance
    return {"id": i.id, "process": i.process_key, "version": i.version, "name": i.name,
            "name_en": i.name_en, "status": i.status, "business_key": i.business_key,
            "customer_name": i.customer_name, "started_at": iso(i.started_at),
            "ended_at": iso(i.ended_at), "error": i.error, "owner": i.owner_name,
            "archived_at": iso(i.archived_at), "outcome": outcome_json(i),
            "data": view.data, "tasks": [record_json(t, now) for t in view.open_tasks],
            "history": [{"at": iso(e.at), "action": e.action,
                         "actor": e.actor_name if e.actor_id is not None else None,
                         "task_id": e.task_id, "bpmn_id": e.bpmn_id, "data": e.data or {}}
                        for e in view.history],
            "may_cancel": view.may_cancel}


def outcome_json(i: ProcessInstance | InstanceRecord) -> dict[str, Any] | None:
    """The end event a completed instance reached, named in the reader's language."""
    outcome = i.outcome if i.status == InstanceStatus.COMPLETED else None
    if not outcome:
        return None
    kind = outcome.get("kind")
    return {"id": str(outcome.get("id") or ""),
            "name": pick(outcome.get("name"), outcome.get("name_en")) or "",
            "kind": kind if kind in OUTCOMES else None,
            "kind_name": _(OUTCOMES[kind]) if kind in OUTCOMES else None}
