"""GET /api/kpis/stalls: where the flow of one process stalls, per step (engine.kpis.stalls)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta
from zoneinfo import ZoneInfo

from flask import Response, current_app, jsonify, request

from engine.errors import InvalidData
from engine.kpis.stalls import newest_diagram, stalls
from engine.roles import KPI_ROLES

from ..auth import roles_required
from ..context import db, workflow_engine
from . import bp
from .kpis import DEFAULT_DAYS, parse_moment


@bp.get("/kpis/stalls")
@roles_required(*KPI_ROLES)
def flow_stalls() -> Response:
    """Count, wait, work and overdue share per step of `process`, for tasks created in
    [from, to) (default: the last 30 days); 404 for a process never deployed."""
    key = request.args.get("process", "")
    if not key:
        raise InvalidData("process is required", {"process": "required"})
    definition, _ = newest_diagram(db(), workflow_engine(), key)
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    now = workflow_engine().clock.now()
    raw_to, raw_from = request.args.get("to"), request.args.get("from")
    end = parse_moment(raw_to, "to", zone) if raw_to else now + timedelta(seconds=1)
    if raw_to and len(raw_to) == 10:
        end += timedelta(days=1)  # a date as `to` includes that whole day
    start = parse_moment(raw_from, "from", zone) if raw_from else end - timedelta(
        days=DEFAULT_DAYS)
    if start >= end:
        raise InvalidData("from must be before to", {"from": "after to"})
    steps = stalls(db(), key, start, end, now)
    return jsonify({"process": key, "name": definition.name, "name_en": definition.name_en,
                    "from": start.isoformat(), "to": end.isoformat(),
                    "steps": [asdict(step) for step in steps]})
