"""GET /api/kpis: the indicators of domain.md that the history supports."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Response, current_app, jsonify, request

from engine.errors import InvalidData
from engine.kpis import SCORECARD_GROUPINGS, compute_kpis
from engine.kpis.own import own_view
from engine.kpis.targets import month_targets
from engine.roles import KPI_OWN_ROW_ROLES, KPI_ROLES, KPI_TARGET_ROLES

from ..auth import roles_required, signed_in_user
from ..config import app_settings
from ..context import db, workflow_engine
from . import bp
from .contract import request_body

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
@roles_required(*KPI_ROLES, *KPI_OWN_ROW_ROLES)
def kpis() -> Response:
    """Indicators for [from, to), grouped by user or role, with the scorecard `rows` by
    user, role or department (default: the last 30 days). A senior manager gets their own
    row only (engine/kpis/own.py), whatever `by` asks."""
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
    if by not in SCORECARD_GROUPINGS:
        raise InvalidData(f"by must be {' or '.join(SCORECARD_GROUPINGS)}", {"by": "invalid"})
    user = signed_in_user()
    margin = app_settings().kpi_amber_margin
    zone_name = current_app.config["TIMEZONE"]
    if user.role_names & KPI_ROLES:
        return jsonify(compute_kpis(db(), start, end, now, by, zone_name, margin))
    computed = compute_kpis(db(), start, end, now, "user", zone_name, margin, user.username)
    return jsonify(own_view(computed, user.username))


@bp.get("/kpis/targets")
@roles_required(*KPI_ROLES)
def kpi_targets() -> Response:
    """The targets set for a month (`month=YYYY-MM`, default this month)."""
    month = request.args.get("month") or _this_month()
    return jsonify({"month": month, "targets": [
        asdict(t) for t in month_targets(db(), month)]})


@bp.put("/kpis/targets")
@roles_required(*KPI_TARGET_ROLES)
def set_kpi_targets() -> Response:
    """Replace a month's targets (department heads and marketing directors)."""
    body = request_body()  # TargetsRequest in the document
    month = str(body.get("month", ""))
    saved = workflow_engine().set_kpi_targets(db(), signed_in_user(), month,
                                              body.get("targets", []))
    db().commit()
    return jsonify({"month": month, "targets": [asdict(t) for t in saved]})


def _this_month() -> str:
    now = workflow_engine().clock.now().astimezone(ZoneInfo(current_app.config["TIMEZONE"]))
    return f"{now.year:04d}-{now.month:02d}"
