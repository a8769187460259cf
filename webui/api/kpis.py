"""GET /api/kpis: the indicators of domain.md that the history supports."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Response, current_app, jsonify, request

from engine.errors import InvalidData
from engine.kpis import GROUPINGS, compute_kpis
from engine.roles import KPI_ROLES

from ..auth import roles_required
from ..context import db, workflow_engine
from . import bp

DEFAULT_DAYS = 30


def parse_moment(raw: str, name: str, zone: ZoneInfo) -> datetime:
    """A date (midnight, department time) or an ISO date-time; 422 otherwise."""
    try:
        if len(raw) == 10:
            day = datetime.fromisoformat(raw).date()
            return datetime.combine(day, time(), tzinfo=zone)
        moment = datetime.fromisoformat(raw)
    except ValueError as err:
        raise InvalidData(f"{name} must be a date (YYYY-MM-DD) or an ISO date-time",
                          {name: "invalid date"}) from err
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


@bp.get("/kpis")
@roles_required(*KPI_ROLES)
def kpis() -> Response:
    """Indicators for [from, to), grouped by user or role (default: the last 30 days)."""
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    now = workflow_engine().clock.now()
    raw_to, raw_from = request.args.get("to"), request.args.get("from")
    # Without `to`, up to and including this moment (the range is half-open).
    end = parse_moment(raw_to, "to", zone) if raw_to else now + timedelta(seconds=1)
    start = parse_moment(raw_from, "from", zone) if raw_from else end - timedelta(
        days=DEFAULT_DAYS)
    if raw_to and len(raw_to) == 10:
        end += timedelta(days=1)  # a date as `to` includes that whole day
    if start >= end:
        raise InvalidData("from must be before to", {"from": "after to"})
    by = request.args.get("by", "user")
    if by not in GROUPINGS:
        raise InvalidData(f"by must be {' or '.join(GROUPINGS)}", {"by": "invalid"})
    return jsonify(compute_kpis(db(), start, end, now, by, current_app.config["TIMEZONE"]))
