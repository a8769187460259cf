"""Processes, deployments and instances."""

from __future__ import annotations

from flask import Response, jsonify, request, url_for
from sqlalchemy import select

from engine.deployment import Bundle
from engine.deployment.archive import expand_uploads
from engine.models import User
from engine.queries import get_instance
from engine.runtime.access import can_cancel
from engine.runtime.instances import may_start

from ..auth import current_user, login_required, roles_required, signed_in_user
from ..context import db, workflow_engine
from ..processes.catalog import latest_definitions
from . import bp
from .contract import request_body
from .serialize import definition_json, event_json, instance_json, task_json


@bp.get("/processes")
@login_required
def processes() -> Response:
    """The newest version of every deployed process, and whether the caller may start it."""
    user = signed_in_user()
    return jsonify({"processes": [dict(definition_json(d), may_start=may_start(user, d))
                                  for d in latest_definitions(db())]})


@bp.post("/deployments")
@roles_required("process_owner")
def deployments() -> tuple[Response, int]:
    """Deploy the uploaded files (or zips) as one bundle; 422 (413) lists every problem."""
    user = current_user()
    uploads = expand_uploads((f.filename or "", f.read()) for name in request.files
                             for f in request.files.getlist(name))
    bundle = Bundle.from_items(uploads)
    results = workflow_engine().deploy(db(), bundle, user)
    db().commit()
    return jsonify({"processes": [{"key": r.key, "version": r.version, "created": r.created}
                                  for r in results]}), 201


@bp.post("/processes/<key>/instances")
@login_required
def start(key: str) -> tuple[Response, int, dict[str, str]]:
    """Start the newest version of `key`; 201 with the new instance's id, status and error."""
    user = signed_in_user()
    body = request_body()  # lengths and types: StartRequest in the OpenAPI document
    instance = workflow_engine().start_instance(
        db(), key[:120], user, data=body.get("data", {}),
        business_key=body.get("business_key") or None,
        customer_name=body.get("customer_name") or None, owner=body.get("owner") or None)
    db().commit()
    location = url_for("api.instance", instance_id=instance.id)
    # A start that failed on its first steps is still a start: 201, its status says `error`.
    return (jsonify({"id": instance.id, "status": instance.status, "error": instance.error}),
            201, {"Location": location})


@bp.get("/instances/<int:instance_id>")
@login_required
def instance(instance_id: int) -> Response:
    """Status, version, data, open tasks and history of an instance the caller may see."""
    user = signed_in_user()
    view = get_instance(db(), workflow_engine().runtime, instance_id, user)
    ids = {e.actor_id for e in view.history if e.actor_id} | {
        t.assignee_id for t in view.open_tasks if t.assignee_id}
    names = dict(db().execute(select(User.id, User.username).where(User.id.in_(ids)))
                 .tuples().all()) if ids else {}
    now = workflow_engine().clock.now()
    return jsonify(dict(instance_json(view.instance), data=view.data,
                        tasks=[task_json(t, now, names) for t in view.open_tasks],
                        history=[event_json(e, names) for e in view.history],
                        may_cancel=can_cancel(user, view.instance)))
