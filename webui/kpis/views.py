"""The indicators page and its Excel and CSV exports, for the department's leaders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Response, current_app, render_template, request

from engine.errors import InvalidData
from engine.kpis import SCORECARD_GROUPINGS, compute_kpis
from engine.kpis.own import own_view
from engine.queries.names import directory
from engine.roles import KPI_OWN_ROW_ROLES, KPI_ROLES

from ..auth import roles_required, signed_in_user
from ..config import app_settings
from ..context import db, workflow_engine
from ..i18n import _
from . import bp
from .charts import page_charts
from .scorecard import chart_data, indicator_labels, scorecard_area, shown_rows, status_labels
from .tables import Area, kpi_areas
from .workbook import csv_text, workbook_bytes

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Period:
    """The chosen days (both included) and grouping."""

    first: date
    last: date
    by: str

    def bounds(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """[start, end) in department time: `last` counts as a whole day."""
        return (datetime.combine(self.first, time(), tzinfo=zone),
                datetime.combine(self.last + timedelta(days=1), time(), tzinfo=zone))


def _day(name: str, default: date) -> date:
    raw = request.args.get(name) or ""
    if not raw:
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError as err:
        raise InvalidData(f"{name} must be a date (YYYY-MM-DD)", {name: "invalid date"}) from err


def presets(zone: ZoneInfo) -> list[tuple[str, date, date]]:
    """The periods a leader picks most: this week, this month, last month, this quarter."""
    today = workflow_engine().clock.now().astimezone(zone).date()
    week = today - timedelta(days=today.weekday())
    month = today.replace(day=1)
    last_month = (month - timedelta(days=1)).replace(day=1)
    quarter = month.replace(month=(month.month - 1) // 3 * 3 + 1)
    quarter_end = (quarter + timedelta(days=95)).replace(day=1) - timedelta(days=1)
    month_end = (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return [(_("This week"), week, week + timedelta(days=6)),
            (_("This month"), month, month_end),
            (_("Last month"), last_month, month - timedelta(days=1)),
            (_("This quarter"), quarter, quarter_end)]


def requested_period(zone: ZoneInfo) -> Period:
    """From the query string; by default this month, in department time."""
    today = workflow_engine().clock.now().astimezone(zone).date()
    month_start = today.replace(day=1)
    next_month = (month_start + timedelta(days=32)).replace(day=1)
    first = _day("from", month_start)
    last = _day("to", next_month - timedelta(days=1))
    if first > last:
        raise InvalidData("from must not be after to", {"from": "after to"})
    by = request.args.get("by") or "user"
    if by not in SCORECARD_GROUPINGS:
        raise InvalidData("by must be user, role or department", {"by": "invalid"})
    return Period(first, last, by)


def _computed() -> tuple[Period, dict[str, Any], bool]:
    """The period, the indicators the user may read, and whether they read them all (a
    senior manager reads their own row: engine/kpis/own.py)."""
    zone_name = current_app.config["TIMEZONE"]
    zone = ZoneInfo(zone_name)
    period = requested_period(zone)
    start, end = period.bounds(zone)
    now = workflow_engine().clock.now()
    user = signed_in_user()
    margin = app_settings().kpi_amber_margin
    if user.role_names & KPI_ROLES:
        return period, compute_kpis(db(), start, end, now, period.by, zone_name, margin), True
    own = Period(period.first, period.last, "user")
    computed = compute_kpis(db(), start, end, now, "user", zone_name, margin, user.username)
    return own, own_view(computed, user.username), False


def _areas(kpis: dict[str, Any]) -> list[Area]:
    return [scorecard_area(kpis), *kpi_areas(kpis, directory(db()))]


@bp.get("/kpis")
@roles_required(*KPI_ROLES, *KPI_OWN_ROW_ROLES)
def index() -> str:
    """The scorecard with its chart, then the indicators of the chosen period as tables."""
    period, kpis, everything = _computed()
    areas = kpi_areas(kpis, directory(db()))
    return render_template("kpis/index.html", period=period, areas=areas,
                           indicator_charts=page_charts(areas),
                           overdue_now=kpis["overdue_now"], everything=everything,
                           scorecard=shown_rows(kpis), labels=indicator_labels(),
                           statuses=status_labels(), chart=chart_data(kpis),
                           presets=presets(ZoneInfo(current_app.config["TIMEZONE"])))


@bp.get("/kpis.xlsx")
@roles_required(*KPI_ROLES, *KPI_OWN_ROW_ROLES)
def export() -> Response:
    """The same indicators as an Excel workbook, headers in the user's language."""
    period, kpis, _everything = _computed()
    label = _("Period") + f": {period.first.isoformat()} – {period.last.isoformat()}"
    name = f"kpis-{period.first.isoformat()}-{period.last.isoformat()}.xlsx"
    return Response(workbook_bytes(_areas(kpis), label), mimetype=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/kpis.csv")
@roles_required(*KPI_ROLES, *KPI_OWN_ROW_ROLES)
def export_csv() -> Response:
    """The same indicators as CSV (UTF-8 with BOM), headers in the user's language."""
    period, kpis, _everything = _computed()
    label = _("Period") + f": {period.first.isoformat()} – {period.last.isoformat()}"
    name = f"kpis-{period.first.isoformat()}-{period.last.isoformat()}.csv"
    return Response(csv_text(_areas(kpis), label).encode("utf-8"), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
