"""Task list, one task with its form, and the claim / unclaim / complete commands."""

from __future__ import annotations

from flask import Response, jsonify, request

from engine.errors import InvalidData
from engine.queries.tasks import INBOX_SCOPES, inbox, task_page, visible_task

from ..auth import login_required, signed_in_user
from ..context import db, workflow_engine
from ..inbox.views import truthy
from ..tasks.messages import notices_of
from . import bp
from .contract import request_body
from .serialize import task_json


@bp.get("/tasks")
@login_required
def tasks() -> Response:
    """Open tasks visible to the caller: scope mine|role|all, filters process, overdue, q."""
    user = signed_in_user()
    scope = request.args.get("scope", "mine")
    if scope not in INBOX_SCOPES:
        raise InvalidData(f"scope must be one of {', '.join(INBOX_SCOPES)}",
                          {"scope": "invalid"})
    now = workflow_engine().clock.now()
    rows = inbox(db(), user, now, scope=scope, process=request.args.get("process") or None,
                 overdue=truthy(request.args.get("overdue")),
                 q=(request.args.get("q") or "")[:100])
    return jsonify({"tasks": [dict(task_json(r.task, now), process_name=r.process_name,
                                   process_name_en=r.process_name_en) for r in rows]})


@bp.get("/tasks/<int:task_id>")
@login_required
def task(task_id: int) -> Response:
    """One task with its form (JSON Schema) and the instance's current data."""
    page = task_page(db(), workflow_engine(), task_id, signed_in_user())
    return jsonify(dict(task_json(page.task, workflow_engine().clock.now()), form=page.form,
                        data=page.data, notices=notices_of(page.task)))


def _after(task_id: int) -> Response:
    db().commit()
    user = signed_in_user()
    found = visible_task(db(), task_id, user)
    return jsonify(task_json(found, workflow_engine().clock.now()))


@bp.post("/tasks/<int:task_id>/claim")
@login_required
def claim(task_id: int) -> Response:
    """Claim an offered task; 409 if someone else holds it."""
    user = signed_in_user()
    workflow_engine().claim_task(db(), task_id, user)
    return _after(task_id)


@bp.post("/tasks/<int:task_id>/unclaim")
@login_required
def unclaim(task_id: int) -> Response:
    """Give a claimed task back to its role."""
    user = signed_in_user()
    workflow_engine().unclaim_task(db(), task_id, user)
    return _after(task_id)


@bp.post("/tasks/<int:task_id>/complete")
@login_required
def complete(task_id: int) -> Response:
    """Complete with `{"data": {…}}`; 422 with field messages, 409 if already done."""
    user = signed_in_user()
    data = request_body().get("data", {})  # an object: CompleteRequest in the document
    workflow_engine().complete_task(db(), task_id, user, data)
    return _after(task_id)
