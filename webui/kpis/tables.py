"""The indicators as titled tables, in the request's language, for the page and the export."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine.i18n import texts_for

from ..i18n import _, get_language, pick
from .cells import Percent


@dataclass
class Table:
    """One table: a title, column headers and rows of plain values."""

    title: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)


@dataclass
class Area:
    """One area of the dashboard (one sheet of the workbook)."""

    slug: str
    title: str
    tables: list[Table]


def _percent(value: float | None) -> Percent | None:
    return None if value is None else Percent(value)


def _blank(value: Any) -> Any:
    return value  # None: an empty cell (nothing to measure)


def shown(value: Any) -> str:
    """A cell as the page shows it, in the reader's language (numbers with separators)."""
    if value is None:
        return ""
    texts = texts_for(get_language())
    if isinstance(value, Percent):
        return texts.percent(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    return texts.decimal(value, "#,##0.##")


def _tasks(k: dict[str, Any]) -> Area:
    people = Table(_("Tasks by person or role"), [
        _("Group"), _("Tasks completed"), _("With a due date"), _("On time"), _("On-time rate"),
        _("Overdue now")], [[g["key"], g["tasks_completed"], g["with_due"], g["on_time"],
                             _percent(g["on_time_rate"]), g["overdue_now"]]
                            for g in k["groups"]])
    steps = Table(_("Where the flow waits"), [
        _("Process"), _("Step"), _("Completed"), _("Mean wait (hours)"),
        _("Mean work (hours)")], [[s["process"], pick(s["name"], s["name_en"]), s["completed"],
                                   _blank(s["mean_wait_hours"]), _blank(s["mean_work_hours"])]
                                  for s in k["steps"]])
    return Area("tasks", _("Tasks"), [people, steps])


def _development(k: dict[str, Any]) -> Area:
    d = k["development"]
    columns = [_("Group"), _("Prospects registered"), _("Applications submitted"),
               _("Approved"), _("Rejected"), _("Returned"), _("Approval rate")]

    def row(key: str, r: dict[str, Any]) -> list[Any]:
        return [key, r["prospects_registered"], r["applications_submitted"], r["approved"],
                r["rejected"], r["returned"], _percent(r["approval_rate"])]

    rows = [row(g["key"], g) for g in d["groups"]] + [row(_("Total"), d["totals"])]
    return Area("development", _("Development"), [Table(_("Development"), columns, rows)])


def _visits(k: dict[str, Any]) -> Area:
    v = k["visits"]
    groups = Table(_("Visits and receptions"), [
        _("Group"), _("Visits done"), _("First contact to visit (days)"), _("Receptions held")],
        [[g["key"], g["visits_done"], _blank(g["mean_lead_time_days"]), g["receptions_held"]]
         for g in v["groups"]])
    t = v["totals"]
    groups.rows.append([_("Total"), t["visits_done"], _blank(t["mean_lead_time_days"]),
                        t["receptions_held"]])
    monthly = Table(_("Visits per senior manager per month"),
                    [_("Senior manager"), _("Month"), _("Visits done")],
                    [[m["user"], m["month"], m["visits"]] for m in v["per_manager_month"]])
    a = v["appointments"]
    appointments = Table(_("Appointment confirmations"), [
        _("Confirmed"), _("Rescheduled"), _("Declined"), _("No answer in time"),
        _("Confirmation rate")], [[a["confirmed"], a["rescheduled"], a["declined"],
                                   a["timed_out"], _percent(a["confirmation_rate"])]])
    return Area("visits", _("Visits"), [groups, monthly, appointments])


def _costs(k: dict[str, Any]) -> Area:
    c = k["costs"]
    columns = [_("Process"), _("Customer"), _("Budget"), _("Actual cost"), _("Variance")]
    rows = [[r["process"], r["customer"] or "", r["budget"], r["actual"], r["variance"]]
            for r in c["instances"]]
    rows += [[t["process"], _("Total"), t["budget"], t["actual"], t["variance"]]
             for t in c["totals"] if t["settled"]]
    return Area("costs", _("Budget against actual cost"),
                [Table(_("Budget against actual cost"), columns, rows)])


def _customers(k: dict[str, Any]) -> Area:
    c = k["customers"]
    summary = Table(_("Key accounts and the potential pool"), [
        _("New key accounts"), _("Potential pool entries"), _("Converted from the pool"),
        _("In the pool during the period"), _("Conversion rate")],
        [[c["new_key_accounts"], c["pool_entries"], c["converted"], c["in_pool"],
          _percent(c["conversion_rate"])]])
    classes = Table(_("New key accounts by class"), [_("Class"), _("New key accounts")],
                    [[code, n] for code, n in c["by_class"].items()])
    volumes = Table(_("Contract volume of key accounts (now)"), [
        _("Group"), _("Key accounts"), _("Cumulative volume (方)"),
        _("Largest single volume (方)")],
        [[v["key"], v["key_accounts"], v["cumulative_volume"], v["largest_single_volume"]]
         for v in c["volumes"]])
    forecasts = Table(_("Forecast against actual volume"), [
        _("Customer"), _("Forecast volume (方)"), _("Actual volume (方)"), _("Attainment")],
        [[f["customer"], f["forecast_volume"], f["actual_volume"], _percent(f["attainment"])]
         for f in c["forecasts"]])
    return Area("customers", _("Customers"), [summary, classes, volumes, forecasts])


def kpi_areas(kpis: dict[str, Any]) -> list[Area]:
    """The computed indicators (engine.kpis.compute_kpis) as areas of tables."""
    return [_tasks(kpis), _development(kpis), _visits(kpis), _costs(kpis), _customers(kpis)]
