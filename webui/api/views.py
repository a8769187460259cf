"""Processes, deployments and instances."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request, url_for

from engine.deployment import Bundle
from engine.deployment.archive import expand_uploads
from engine.queries.definitions import process_choices, versions
from engine.queries.instance_status import instance_status
from engine.roles import PROCESS_OWNER_ROLES

from ..auth import current_user, login_required, roles_required, signed_in_user
from ..context import db, reads, workflow_engine
from . import bp
from .contract import request_body
from .replies import json_reply
from .serialize import definition_json, iso, status_json


@bp.get("/processes")
@login_required
def processes() -> Response:
    """The current version of every deployed process, and whether the caller may start it."""
    choices = process_choices(db(), signed_in_user())
    return jsonify({"processes": [dict(definition_json(c.definition), may_start=c.may_start)
                                  for c in choices]})


def process_versions_json(key: str) -> dict[str, Any]:
    """A process with every version, newest first, and which one is current."""
    rows = versions(db(), key)
    current = next((r for r in rows if r.current), rows[0])
    return {"key": key, "name": current.definition.name, "name_en": current.definition.name_en,
            "current_version": current.definition.version,
            "versions": [{"version": r.definition.version,
                          "deployed_at": iso(r.definition.deployed_at),
                          "deployed_by": (r.definition.deployed_by.username
                                          if r.definition.deployed_by else None),
                          "running": r.running, "current": r.current} for r in rows]}


@bp.get("/processes/<key>")
@login_required
def process(key: str) -> Response:
    """One process: its versions, running counts, which version is current (404 unknown)."""
    return jsonify(process_versions_json(key[:120]))


@bp.post("/processes/<key>/versions/<int:version>/current")
@roles_required(*PROCESS_OWNER_ROLES)
def make_current(key: str, version: int) -> Response:
    """Make `version` of `key` the one new instances start on (audited); 404 if unknown."""
    workflow_engine().make_current(db(), key[:120], version, signed_in_user())
    db().commit()
    return jsonify(process_versions_json(key[:120]))


@bp.post("/deployments")
@roles_required(*PROCESS_OWNER_ROLES)
def deployments() -> tuple[Response, int]:
    """Deploy the uploaded files (or zips) as one bundle; 422 (413) lists every problem."""
    user = current_user()
    uploads = expand_uploads((f.filename or "", f.read()) for name in request.files
                             for f in request.files.getlist(name))
    bundle = Bundle.from_items(uploads)
    results = workflow_engine().deploy(db(), bundle, user)
    db().commit()
    return jsonify({"processes": [{"key": r.key, "version": r.version, "created": r.created,
                                   "made_current": r.made_current} for r in results]}), 201


@bp.post("/processes/<key>/instances")
@login_required
def start(key: str) -> Response:
    """Start the current version of `key`; 201 with the new instance's id, status and error."""
    user = signed_in_user()
    body = request_body()  # lengths and types: StartRequest in the OpenAPI document
    instance = workflow_engine().start_instance(
        db(), key[:120], user, data=body.get("data", {}),
        business_key=body.get("business_key") or None,
        customer_name=body.get("customer_name") or None, owner=body.get("owner") or None)
    db().commit()
    location = url_for("api.instance", instance_id=instance.id)
    # A start that failed on its first steps is still a start: 201, its status says `error`.
    return json_reply({"id": instance.id, "status": instance.status, "error": instance.error},
                      201, {"Location": location})


@bp.get("/instances/<int:instance_id>")
@login_required
def instance(instance_id: int) -> Response:
    """Status, version, data, open tasks and history of an instance the caller may see."""
    kf = workflow_engine()
    view = instance_status(reads(), kf, instance_id, signed_in_user())
    return json_reply(status_json(view, kf.clock.now()))
