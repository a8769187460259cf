"""Incidents over JSON: the failed instances, and retrying or cancelling one."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify

from engine.queries.incidents import Incident, count_incidents, list_incidents
from engine.queries.instances import load_instance
from engine.roles import INCIDENT_ROLES

from ..auth import login_required, roles_required, signed_in_user
from ..context import db, workflow_engine
from . import bp
from .contract import request_body
from .serialize import instance_json, iso


def incident_json(i: Incident) -> dict[str, Any]:
    """One failed instance, as GET /api/incidents lists it."""
    migration = None
    if i.migration is not None:
        migration = {"version": i.migration.version, "movable": i.migration.movable,
                     "reasons": list(i.migration.reasons)}
    return {"instance_id": i.instance_id, "process": i.process_key, "version": i.version,
            "name": i.process_name, "name_en": i.process_name_en, "reason": i.reason,
            "element_id": i.element_id, "element_name": i.element_name,
            "element_name_en": i.element_name_en, "since": iso(i.since),
            "started_by": i.started_by, "customer_name": i.customer_name,
            "business_key": i.business_key, "migration": migration}


@bp.get("/incidents")
@roles_required(*INCIDENT_ROLES)
def incidents() -> Response:
    """Every instance in `error`, the most recent failure first."""
    found = list_incidents(db(), workflow_engine())
    return jsonify({"count": count_incidents(db()), "incidents": [incident_json(i) for i in found]})


@bp.post("/instances/<int:instance_id>/retry")
@login_required
def retry(instance_id: int) -> Response:
    """Re-run a failed instance from its failed step; `{"version": n}` moves it there first."""
    user = signed_in_user()
    load_instance(db(), instance_id, user)  # 404 before 403: no hint the instance exists
    version = request_body().get("version")  # a whole number in range: RetryRequest
    instance = workflow_engine().retry_instance(
        db(), instance_id, user, to_version=int(version) if version is not None else None)
    db().commit()
    return jsonify(instance_json(instance))


@bp.post("/instances/<int:instance_id>/cancel")
@login_required
def cancel(instance_id: int) -> Response:
    """Cancel an instance; a failed one needs `{"reason": …}` (422 without)."""
    user = signed_in_user()
    load_instance(db(), instance_id, user)
    reason = request_body().get("reason") or ""  # text or null, length: CancelRequest
    instance = workflow_engine().cancel_instance(db(), instance_id, user, reason)
    db().commit()
    return jsonify(instance_json(instance))
