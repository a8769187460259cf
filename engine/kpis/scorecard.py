"""The scorecard: each group's main indicators beside its targets, judged green/amber/red.

One row per person (by=user), per role (by=role) or for the whole department
(by=department); each indicator of `targets.INDICATORS` has a value, the target for the
period (engine/kpis/targets.py) and a status.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import User

from .history import CUSTOMER_KEY, UNASSIGNED_KEY, rate
from .targets import INDICATORS, period_targets, status

SCOPE_OF = {"user": "user", "role": "role", "department": "department"}


@dataclass(frozen=True)
class Score:
    """One indicator of one row."""

    value: float | None
    target: float | None
    status: str | None


@dataclass(frozen=True)
class ScoreRow:
    """One group: its key (user name, role id, or "" for the department), the name people
    read (a person's display name; the view names roles) and its scores by indicator."""

    key: str
    name: str
    scores: dict[str, Score]


def _values(kpis: dict[str, Any], by: str) -> dict[str, dict[str, float | None]]:
    """Indicator values per group key, from the computed indicators."""
    if by == "department":
        development, visits = kpis["development"]["totals"], kpis["visits"]["totals"]
        groups = kpis["groups"]
        return {"": {
            "prospects_registered": development["prospects_registered"],
            "applications_submitted": development["applications_submitted"],
            "approval_rate": development["approval_rate"],
            "visits_done": visits["visits_done"], "receptions_held": visits["receptions_held"],
            "on_time_rate": rate(sum(g["on_time"] for g in groups),
                                 sum(g["with_due"] for g in groups)),
            "overdue_now": kpis["overdue_now"]}}
    values: dict[str, dict[str, float | None]] = {}

    def row(key: str) -> dict[str, float | None]:
        return values.setdefault(key, {name: None for name in INDICATORS})

    for g in kpis["development"]["groups"]:
        row(g["key"]).update({k: g[k] for k in ("prospects_registered",
                                                 "applications_submitted", "approval_rate")})
    for g in kpis["visits"]["groups"]:
        row(g["key"]).update(visits_done=g["visits_done"], receptions_held=g["receptions_held"])
    for g in kpis["groups"]:
        row(g["key"]).update(on_time_rate=g["on_time_rate"], overdue_now=g["overdue_now"])
    return {k: v for k, v in values.items() if k not in (CUSTOMER_KEY, UNASSIGNED_KEY, "")}


def scorecard(session: Session, kpis: dict[str, Any], by: str, first: date, last: date,
              margin: float, only: str | None = None) -> list[ScoreRow]:
    """The rows of the scorecard for the days [first, last] (`only`: one user's row)."""
    values = _values(kpis, by)
    if only is not None:
        values = {only: values.get(only) or {name: None for name in INDICATORS}}
    targets = period_targets(session, first, last)
    names = dict(session.execute(select(User.username, User.display_name)).tuples().all()) \
        if by == "user" else {}
    rows = []
    for key, row in sorted(values.items()):
        scores = {}
        for name in INDICATORS:
            value = row.get(name)
            if INDICATORS[name].kind == "count" and value is None:
                value = 0
            target = targets.get((name, SCOPE_OF[by], key))
            scores[name] = Score(value, target, status(name, value, target, margin))
        rows.append(ScoreRow(key, names.get(key) or key, scores))
    return rows
