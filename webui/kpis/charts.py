"""A chart beside each indicator's numbers on /kpis: what static/kpis.js draws with ECharts.

Each chart is plain data in the reader's language (names, never codes) and one of a few
kinds kpis.js knows:

- `target`: a bar per group coloured by its scorecard status (green, amber, red), the
  group's target as a mark beside it (the scorecard's rows, engine/kpis/scorecard.py);
- `bars`: bars per category, one series per measure, stacked or side by side, optionally
  horizontal;
- `lines`: the months of the period on the x axis, a line per measure (the trend);
- `pie`: shares of a whole.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..i18n import _, pick
from .about import about

if TYPE_CHECKING:
    from .tables import Area, _Names


@dataclass
class Chart:
    """One chart: the indicator it shows (`slug`, also its element id), its title, what it
    means (definition, source events) and what kpis.js draws."""

    slug: str
    title: str
    kind: str
    data: dict[str, Any]
    definition: str = field(init=False)
    sources: str = field(init=False)

    def __post_init__(self) -> None:
        self.definition, self.sources = about(self.slug)

    @property
    def spec(self) -> dict[str, Any]:
        """What the page hands to kpis.js."""
        return {"kind": self.kind, "title": self.title, **self.data}


MOST_CUSTOMERS = 20  # customers one bar chart can name legibly


def _series(name: str, values: list[Any]) -> dict[str, Any]:
    return {"name": name, "values": values}


def target_chart(slug: str, title: str, kpis: dict[str, Any], n: _Names) -> Chart:
    """A bar per scorecard row (person, role or the department) against its target."""
    rate = slug.endswith("_rate")
    names, values, targets, statuses = [], [], [], []
    for row in kpis["rows"]:
        score = row["scores"][slug]
        names.append(_("The department") if kpis["by"] == "department" else n.group(row["key"]))
        values.append(score["value"])
        targets.append(score["target"])
        statuses.append(score["status"])
    return Chart(slug, title, "target", {
        "categories": names, "values": values, "targets": targets, "statuses": statuses,
        "rate": rate, "integer": not rate, "value_label": title, "target_label": _("Target")})


def task_charts(k: dict[str, Any], n: _Names) -> list[Chart]:
    """On-time rate and overdue tasks per group against target."""
    return [target_chart("on_time_rate", _("On-time rate"), k, n),
            target_chart("overdue_now", _("Overdue now"), k, n)]


def step_charts(k: dict[str, Any], n: _Names) -> list[Chart]:
    """Mean wait and work per step, stacked (where the flow stalls)."""
    steps = k["steps"]
    names = [f"{pick(s['name'], s['name_en'])} ({n.process(s['process'])})" for s in steps]
    return [Chart("step_times", _("Mean wait and work per step (hours)"), "bars", {
        "categories": names, "stack": True, "horizontal": True, "series": [
            _series(_("Mean wait (hours)"), [s["mean_wait_hours"] for s in steps]),
            _series(_("Mean work (hours)"), [s["mean_work_hours"] for s in steps])]})]


def _months(rows: list[dict[str, Any]], fields: dict[str, str]) -> dict[str, Any]:
    """The monthly rows (key, month, counts) summed over groups: a line per field."""
    months = sorted({r["month"] for r in rows})
    sums = {f: dict.fromkeys(months, 0) for f in fields}
    for r in rows:
        for f in fields:
            sums[f][r["month"]] += r[f]
    return {"categories": months,
            "series": [_series(label, list(sums[f].values())) for f, label in fields.items()]}


def development_charts(k: dict[str, Any], n: _Names) -> list[Chart]:
    """Prospects, applications and approval rate against target; decisions stacked; the
    monthly trend."""
    d = k["development"]
    groups = d["groups"]
    names = [n.group(g["key"]) for g in groups]
    return [
        target_chart("prospects_registered", _("Prospects registered"), k, n),
        target_chart("applications_submitted", _("Applications submitted"), k, n),
        Chart("decisions", _("Approved, rejected and returned"), "bars", {
            "categories": names, "stack": True, "integer": True, "series": [
                _series(_("Approved"), [g["approved"] for g in groups]),
                _series(_("Rejected"), [g["rejected"] for g in groups]),
                _series(_("Returned"), [g["returned"] for g in groups])]}),
        target_chart("approval_rate", _("Approval rate"), k, n),
        Chart("development_trend", _("Development by month"), "lines", _months(
            d["monthly"], {"prospects_registered": _("Prospects registered"),
                           "applications_submitted": _("Applications submitted"),
                           "approved": _("Approved")}) | {"integer": True}),
    ]


def visit_charts(k: dict[str, Any], n: _Names) -> list[Chart]:
    """Visits and receptions against target, lead time per group, the monthly trend."""
    v = k["visits"]
    groups = [g for g in v["groups"] if g["mean_lead_time_days"] is not None]
    return [
        target_chart("visits_done", _("Visits done"), k, n),
        target_chart("receptions_held", _("Receptions held"), k, n),
        Chart("lead_time", _("First contact to visit (days)"), "bars", {
            "categories": [n.group(g["key"]) for g in groups], "series": [
                _series(_("First contact to visit (days)"),
                        [g["mean_lead_time_days"] for g in groups])]}),
        Chart("visit_trend", _("Visits and receptions by month"), "lines", _months(
            v["monthly"], {"visits_done": _("Visits done"),
                           "receptions_held": _("Receptions held")}) | {"integer": True}),
    ]


def manager_month_chart(k: dict[str, Any], n: _Names) -> list[Chart]:
    """Visits per senior manager per month: a line per manager."""
    rows = k["visits"]["per_manager_month"]
    months = sorted({r["month"] for r in rows})
    people = sorted({r["user"] for r in rows})
    counts = {(r["user"], r["month"]): r["visits"] for r in rows}
    return [Chart("visits_per_manager_month", _("Visits per senior manager per month"),
                  "lines", {"categories": months, "series": [
                      _series(n.person(p), [counts.get((p, m), 0) for m in months])
                      for p in people]})]


def appointment_chart(k: dict[str, Any], n: _Names) -> list[Chart]:
    """The customers' answers to appointment links as shares."""
    a = k["visits"]["appointments"]
    items = [(_("Confirmed"), a["confirmed"]), (_("Rescheduled"), a["rescheduled"]),
             (_("Declined"), a["declined"]), (_("No answer in time"), a["timed_out"])]
    return [Chart("confirmation_rate", _("Appointment confirmations"), "pie", {
        "items": [{"name": name, "value": value} for name, value in items if value]})]


def cost_chart(k: dict[str, Any], n: _Names) -> list[Chart]:
    """Budget beside actual cost per process."""
    totals = [t for t in k["costs"]["totals"] if t["settled"]]
    return [Chart("budget_actual", _("Budget against actual cost"), "bars", {
        "categories": [n.process(t["process"]) for t in totals], "series": [
            _series(_("Budget"), [t["budget"] for t in totals]),
            _series(_("Actual cost"), [t["actual"] for t in totals])]})]


def pool_chart(k: dict[str, Any], n: _Names) -> list[Chart]:
    """New key accounts, pool entries and conversions of the period."""
    c = k["customers"]
    return [Chart("conversion", _("Potential pool and conversion"), "bars", {
        "integer": True,
        "categories": [_("New key accounts"), _("Potential pool entries"),
                       _("In the pool during the period"), _("Converted from the pool")],
        "series": [_series(_("Customers"), [c["new_key_accounts"], c["pool_entries"],
                                            c["in_pool"], c["converted"]])]})]


def class_chart(k: dict[str, Any], n: _Names) -> list[Chart]:
    """New key accounts by class as shares."""
    return [Chart("new_key_accounts_by_class", _("New key accounts by class"), "pie", {
        "items": [{"name": n.customer_class(code), "value": count}
                  for code, count in k["customers"]["by_class"].items()]})]


def volume_chart(k: dict[str, Any], n: _Names) -> list[Chart]:
    """Contract volume of the key accounts per owner."""
    volumes = k["customers"]["volumes"]
    return [Chart("contract_volume", _("Contract volume of key accounts (now)"), "bars", {
        "categories": [n.group(v["key"]) for v in volumes], "series": [
            _series(_("Cumulative volume (方)"), [v["cumulative_volume"] for v in volumes]),
            _series(_("Largest single volume (方)"),
                    [v["largest_single_volume"] for v in volumes])]})]


def forecast_chart(k: dict[str, Any], n: _Names) -> list[Chart]:
    """Forecast beside actual contracted volume per customer: the largest, when there are
    more than a chart can name (the table beside lists them all)."""
    everyone = k["customers"]["forecasts"]
    rows = sorted(everyone, key=lambda f: -max(f["forecast_volume"], f["actual_volume"])
                  )[:MOST_CUSTOMERS]
    title = _("Forecast against actual volume")
    if len(everyone) > len(rows):
        title = _("{title}: the {n} largest", title=title, n=len(rows))
    return [Chart("forecast_actual", title, "bars", {
        "categories": [f["customer"] for f in rows], "series": [
            _series(_("Forecast volume (方)"), [f["forecast_volume"] for f in rows]),
            _series(_("Actual volume (方)"), [f["actual_volume"] for f in rows])]})]


def page_charts(areas: list[Area]) -> dict[str, Any]:
    """Every chart of the page by its slug, and the words kpis.js shows itself."""
    return {"charts": {chart.slug: chart.spec for area in areas for table in area.tables
                       for chart in table.charts},
            "empty": _("No data for this period.")}
