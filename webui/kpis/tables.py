"""The indicators as titled tables, in the request's language, for the page and the export."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from engine.i18n import texts_for
from engine.kpis.history import CUSTOMER_KEY, UNASSIGNED_KEY
from engine.naming import customer_class_name
from engine.queries.names import Directory

from ..display import role_name
from ..i18n import _, get_language, pick
from . import charts
from .cells import Percent

if TYPE_CHECKING:
    from .charts import Chart

PAGE_ROWS = 100


@dataclass
class Table:
    """One table: a title, column headers and rows of plain values; on the page, the charts
    of its indicators beside it (the exports leave them out)."""

    title: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    # A table of one row per instance or customer shows its first PAGE_ROWS rows on the
    # page (and its last `totals` rows, its sums); the exports have every row.
    long: bool = False
    totals: int = 0

    @property
    def page_rows(self) -> list[list[Any]]:
        """The rows the page shows."""
        if not self.long or len(self.rows) - self.totals <= PAGE_ROWS:
            return self.rows
        return self.rows[:PAGE_ROWS] + self.rows[len(self.rows) - self.totals:]

    @property
    def hidden(self) -> int:
        """How many rows the page leaves to the exports."""
        return len(self.rows) - len(self.page_rows)


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


class _Names:
    """The page's words for the codes the indicators are keyed by."""

    def __init__(self, directory: Directory, by: str) -> None:
        self.directory, self.by = directory, by
        self.t = texts_for(get_language())

    def group(self, key: str) -> str:
        """A group key: a user name or role id (or the customer, nobody) as a name."""
        if key == CUSTOMER_KEY:
            return role_name("customer")
        if key == UNASSIGNED_KEY:
            return _("Not assigned")
        return role_name(key) if self.by == "role" else self.directory.person(key)

    def person(self, username: str) -> str:
        """A user name as the person's display name."""
        return self.directory.person(username)

    def process(self, key: str) -> str:
        """A process key as the process's name."""
        return self.directory.process(self.t, key)

    def customer_class(self, code: str) -> str:
        """A customer class code as its name."""
        return customer_class_name(self.t, code)


def _tasks(k: dict[str, Any], n: _Names) -> Area:
    people = Table(_("Tasks by person or role"), [
        _("Group"), _("Tasks completed"), _("With a due date"), _("On time"), _("On-time rate"),
        _("Overdue now")], [[n.group(g["key"]), g["tasks_completed"], g["with_due"],
                             g["on_time"], _percent(g["on_time_rate"]), g["overdue_now"]]
                            for g in k["groups"]], charts.task_charts(k, n))
    steps = Table(_("Where the flow waits"), [
        _("Process"), _("Step"), _("Completed"), _("Mean wait (hours)"),
        _("Mean work (hours)")], [[n.process(s["process"]), pick(s["name"], s["name_en"]),
                                   s["completed"], _blank(s["mean_wait_hours"]),
                                   _blank(s["mean_work_hours"])] for s in k["steps"]],
                  charts.step_charts(k, n))
    return Area("tasks", _("Tasks"), [people, steps])


def _development(k: dict[str, Any], n: _Names) -> Area:
    d = k["development"]
    columns = [_("Group"), _("Prospects registered"), _("Applications submitted"),
               _("Approved"), _("Rejected"), _("Returned"), _("Approval rate")]

    def row(key: str, r: dict[str, Any]) -> list[Any]:
        return [key, r["prospects_registered"], r["applications_submitted"], r["approved"],
                r["rejected"], r["returned"], _percent(r["approval_rate"])]

    rows = [row(n.group(g["key"]), g) for g in d["groups"]] + [row(_("Total"), d["totals"])]
    return Area("development", _("Development"), [
        Table(_("Development"), columns, rows, charts.development_charts(k, n))])


def _visits(k: dict[str, Any], n: _Names) -> Area:
    v = k["visits"]
    groups = Table(_("Visits and receptions"), [
        _("Group"), _("Visits done"), _("First contact to visit (days)"), _("Receptions held")],
        [[n.group(g["key"]), g["visits_done"], _blank(g["mean_lead_time_days"]),
          g["receptions_held"]] for g in v["groups"]], charts.visit_charts(k, n))
    t = v["totals"]
    groups.rows.append([_("Total"), t["visits_done"], _blank(t["mean_lead_time_days"]),
                        t["receptions_held"]])
    monthly = Table(_("Visits per senior manager per month"),
                    [_("Senior manager"), _("Month"), _("Visits done")],
                    [[n.person(m["user"]), m["month"], m["visits"]]
                     for m in v["per_manager_month"]], charts.manager_month_chart(k, n))
    a = v["appointments"]
    appointments = Table(_("Appointment confirmations"), [
        _("Confirmed"), _("Rescheduled"), _("Declined"), _("No answer in time"),
        _("Confirmation rate")], [[a["confirmed"], a["rescheduled"], a["declined"],
                                   a["timed_out"], _percent(a["confirmation_rate"])]],
        charts.appointment_chart(k, n))
    return Area("visits", _("Visits"), [groups, monthly, appointments])


def _costs(k: dict[str, Any], n: _Names) -> Area:
    c = k["costs"]
    columns = [_("Process"), _("Customer"), _("Budget"), _("Actual cost"), _("Variance")]
    rows = [[n.process(r["process"]), r["customer"] or "", r["budget"], r["actual"],
             r["variance"]] for r in c["instances"]]
    totals = [[n.process(t["process"]), _("Total"), t["budget"], t["actual"], t["variance"]]
              for t in c["totals"] if t["settled"]]
    return Area("costs", _("Budget against actual cost"), [
        Table(_("Budget against actual cost"), columns, rows + totals, charts.cost_chart(k, n),
              long=True, totals=len(totals))])


def _customers(k: dict[str, Any], n: _Names) -> Area:
    c = k["customers"]
    summary = Table(_("Key accounts and the potential pool"), [
        _("New key accounts"), _("Potential pool entries"), _("Converted from the pool"),
        _("In the pool during the period"), _("Conversion rate")],
        [[c["new_key_accounts"], c["pool_entries"], c["converted"], c["in_pool"],
          _percent(c["conversion_rate"])]], charts.pool_chart(k, n))
    classes = Table(_("New key accounts by class"), [_("Class"), _("New key accounts")],
                    [[n.customer_class(code), count] for code, count in c["by_class"].items()],
                    charts.class_chart(k, n))
    volumes = Table(_("Contract volume of key accounts (now)"), [
        _("Group"), _("Key accounts"), _("Cumulative volume (方)"),
        _("Largest single volume (方)")],
        [[n.group(v["key"]), v["key_accounts"], v["cumulative_volume"],
          v["largest_single_volume"]] for v in c["volumes"]], charts.volume_chart(k, n))
    forecasts = Table(_("Forecast against actual volume"), [
        _("Customer"), _("Forecast volume (方)"), _("Actual volume (方)"), _("Attainment")],
        [[f["customer"], f["forecast_volume"], f["actual_volume"], _percent(f["attainment"])]
         for f in c["forecasts"]], charts.forecast_chart(k, n), long=True)
    return Area("customers", _("Customers"), [summary, classes, volumes, forecasts])


def kpi_areas(kpis: dict[str, Any], directory: Directory) -> list[Area]:
    """The computed indicators (engine.kpis.compute_kpis) as areas of tables, every code
    (user name, role, process key, customer class) shown by its name."""
    n = _Names(directory, str(kpis.get("by") or "user"))
    return [_tasks(kpis, n), _development(kpis, n), _visits(kpis, n), _costs(kpis, n),
            _customers(kpis, n)]
