"""Assignment, substitutes and the personal lists over JSON (paths in work_schemas.py)."""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from flask import Response, current_app, jsonify, request

from engine.clock import session_now
from engine.errors import InvalidData
from engine.models import Substitution
from engine.queries.assignment import substitutions_of
from engine.queries.instances import load_instance
from engine.queries.my_lists import (
    MAX_LIMIT,
    InstanceRow,
    TaskRow,
    completed_tasks,
    department_open_tasks,
    instance_list,
)
from engine.queries.tasks import visible_task

from ..auth import login_required, signed_in_user
from ..context import db, workflow_engine
from . import bp
from .contract import request_body
from .serialize import instance_json, iso, task_json


def page_args() -> dict[str, Any]:
    """`cursor` and `limit` of a list request (422 for a limit that is not 1..MAX_LIMIT)."""
    raw = request.args.get("limit", "50")
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise InvalidData(f"limit must be a whole number from 1 to {MAX_LIMIT}",
                          {"limit": "invalid"})
    return {"cursor": (request.args.get("cursor") or "")[:40] or None, "limit": int(raw)}


def instance_row_json(row: InstanceRow) -> dict[str, Any]:
    """One instance of a list."""
    i = row.instance
    return {"id": i.id, "process": i.definition.key, "version": i.definition.version,
            "name": i.definition.name, "name_en": i.definition.name_en, "status": i.status,
            "business_key": i.business_key, "customer_name": i.customer_name,
            "started_at": iso(i.started_at), "ended_at": iso(i.ended_at), "owner": row.owner,
            "started_by": row.started_by, "open_tasks": row.open_tasks}


def task_row_json(row: TaskRow) -> dict[str, Any]:
    """One task of a list, with its process's names."""
    names = {row.task.assignee_id: row.assignee} if row.task.assignee_id and row.assignee else {}
    return dict(task_json(row.task, workflow_engine().clock.now(), names),
                process_name=row.process_name, process_name_en=row.process_name_en)


def substitution_json(s: Substitution) -> dict[str, Any]:
    """One substitution."""
    now = session_now(db())
    return {"id": s.id, "absent": s.absent.username, "substitute": s.substitute.username,
            "from": s.starts_on.isoformat(), "to": s.ends_on.isoformat(),
            "active": s.starts_at <= now < s.ends_at}


@bp.get("/instances")
@login_required
def instances() -> Response:
    """A page of instances: scope started (default), team or all."""
    page = instance_list(db(), signed_in_user(), request.args.get("scope", "started"),
                         **page_args())
    return jsonify({"instances": [instance_row_json(r) for r in page.rows], "next": page.next})


@bp.get("/tasks/completed")
@login_required
def tasks_completed() -> Response:
    """A page of the tasks the caller completed."""
    page = completed_tasks(db(), signed_in_user(), **page_args())
    return jsonify({"tasks": [task_row_json(r) for r in page.rows], "next": page.next})


@bp.get("/tasks/department")
@login_required
def tasks_department() -> Response:
    """A page of the department's open tasks (leaders)."""
    page = department_open_tasks(db(), signed_in_user(), **page_args())
    return jsonify({"tasks": [task_row_json(r) for r in page.rows], "next": page.next})


@bp.post("/tasks/<int:task_id>/assign")
@login_required
def assign(task_id: int) -> Response:
    """Give the task to `{"user": …}`."""
    user = signed_in_user()
    to = str(request_body()["user"])  # required text: AssignRequest
    workflow_engine().reassign_task(db(), task_id, user, to)
    db().commit()
    return jsonify(task_json(visible_task(db(), task_id, user), workflow_engine().clock.now()))


@bp.post("/instances/<int:instance_id>/owner")
@login_required
def owner(instance_id: int) -> Response:
    """Make `{"user": …}` the instance's owner."""
    user = signed_in_user()
    load_instance(db(), instance_id, user)  # 404 before 403: no hint the instance exists
    to = str(request_body()["user"])
    instance = workflow_engine().change_owner(db(), instance_id, user, to)
    db().commit()
    return jsonify(instance_json(instance))


@bp.get("/substitutes")
@login_required
def substitutes() -> Response:
    """The caller's substitutions not yet over."""
    rows = substitutions_of(db(), signed_in_user())
    return jsonify({"substitutes": [substitution_json(s) for s in rows]})


def _day(body: dict[str, Any], field: str) -> date:
    try:
        return date.fromisoformat(str(body.get(field) or ""))
    except ValueError as err:
        raise InvalidData(f"{field} must be a date (YYYY-MM-DD)", {field: "not a date"}) from err


@bp.post("/substitutes")
@login_required
def add_substitute() -> tuple[Response, int]:
    """Arrange a substitution (201)."""
    user = signed_in_user()
    body = request_body()  # SubstituteRequest: users' names, dates as text
    row = workflow_engine().set_substitute(
        db(), user, substitute=str(body.get("substitute") or ""), starts_on=_day(body, "from"),
        ends_on=_day(body, "to"), tz=ZoneInfo(current_app.config["TIMEZONE"]),
        absent=body.get("absent") or None)
    db().commit()
    return jsonify(substitution_json(row)), 201


@bp.post("/substitutes/<int:substitution_id>/end")
@login_required
def end_substitute(substitution_id: int) -> Response:
    """End a substitution now."""
    row = workflow_engine().end_substitute(db(), signed_in_user(), substitution_id)
    db().commit()
    return jsonify(substitution_json(row))
