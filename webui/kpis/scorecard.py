"""The scorecard as the page and the exports show it: names, labels and status words."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.kpis.targets import INDICATORS

from ..display import role_name
from ..i18n import _
from .cells import Percent
from .tables import Area, Table


def indicator_labels() -> dict[str, str]:
    """Each scorecard indicator's name in the request's language."""
    return {"prospects_registered": _("Prospects registered"),
            "applications_submitted": _("Applications submitted"),
            "approval_rate": _("Approval rate"), "visits_done": _("Visits done"),
            "receptions_held": _("Receptions held"), "on_time_rate": _("On-time rate"),
            "overdue_now": _("Overdue now")}


def status_labels() -> dict[str | None, str]:
    """What a status means, for the legend and the cells' titles."""
    return {"green": _("on target"), "amber": _("slightly below target"),
            "red": _("below target"), None: _("no target")}


@dataclass(frozen=True)
class Shown:
    """One row of the scorecard on the page: who, and per indicator (value, target, status)."""

    name: str
    cells: list[tuple[Any, Any, str | None]]


def _typed(indicator: str, value: float | None) -> Any:
    if value is None:
        return None
    return Percent(value) if INDICATORS[indicator].kind == "rate" else value


def shown_rows(kpis: dict[str, Any]) -> list[Shown]:
    """The reply's `rows` with names people read (a role's name, "the department")."""
    rows = []
    for row in kpis["rows"]:
        if kpis["by"] == "role":
            name = role_name(row["key"])
        elif kpis["by"] == "department":
            name = _("The department")
        else:
            name = row["name"]
        rows.append(Shown(name, [
            (_typed(i, row["scores"][i]["value"]), _typed(i, row["scores"][i]["target"]),
             row["scores"][i]["status"]) for i in INDICATORS]))
    return rows


def chart_data(kpis: dict[str, Any]) -> dict[str, Any]:
    """What the page's chart draws: indicators with labels and kinds, and the rows."""
    labels = indicator_labels()
    return {"indicators": [{"key": k, "label": labels[k], "rate": i.kind == "rate"}
                           for k, i in INDICATORS.items()],
            "rows": [{"name": shown.name, "scores": kpis["rows"][n]["scores"]}
                     for n, shown in enumerate(shown_rows(kpis))],
            "target": _("Target")}


def scorecard_area(kpis: dict[str, Any]) -> Area:
    """The scorecard as the first area of the exports: value and target per indicator."""
    labels = indicator_labels()
    columns = [_("Group")]
    for key in INDICATORS:
        columns += [labels[key], _("{indicator}: target", indicator=labels[key])]
    rows = [[shown.name, *[v for value, target, _s in shown.cells for v in (value, target)]]
            for shown in shown_rows(kpis)]
    return Area("scorecard", _("Scorecard"), [Table(_("Scorecard"), columns, rows)])
