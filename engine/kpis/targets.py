"""Targets for the indicators: stored per month, read for any period, judged green/amber/red.

A leader sets, for a month, the target of an indicator for the department, a role or a
person (`KpiTarget`). For a period of days the target is made from the months it touches:
a count's monthly targets are prorated by the days of each month in the period and summed
(half of March → half of March's target); a rate's are averaged, weighted the same way.

Status: for an indicator where more is better, `green` at or above target, `amber` below it
by at most the margin (10% by default, the `kpi_amber_margin` setting), `red` further below;
where less is better (overdue tasks) the same mirrored. No target or no value: None.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from engine.audit import record
from engine.errors import InvalidData
from engine.models import KpiTarget, User
from engine.roles import ALL_ROLES

SCOPES = ("department", "role", "user")
MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")


@dataclass(frozen=True)
class Indicator:
    """One indicator of the scorecard: a count or a rate, and which way is better."""

    name: str
    kind: str  # "count" or "rate"
    higher_is_better: bool = True


INDICATORS = {i.name: i for i in (
    Indicator("prospects_registered", "count"),
    Indicator("applications_submitted", "count"),
    Indicator("approval_rate", "rate"),
    Indicator("visits_done", "count"),
    Indicator("receptions_held", "count"),
    Indicator("on_time_rate", "rate"),
    Indicator("overdue_now", "count", higher_is_better=False),
)}


@dataclass(frozen=True)
class Target:
    """A target as the API reads and writes it."""

    indicator: str
    scope: str
    key: str
    value: float


def months_of(first: date, last: date) -> Iterator[tuple[str, float]]:
    """(YYYY-MM, share of that month inside [first, last]) for every month touched."""
    day = first.replace(day=1)
    while day <= last:
        days_in = calendar.monthrange(day.year, day.month)[1]
        month_end = day.replace(day=days_in)
        inside = (min(last, month_end) - max(first, day)).days + 1
        yield f"{day.year:04d}-{day.month:02d}", inside / days_in
        day = month_end + timedelta(days=1)


def period_targets(session: Session, first: date, last: date
                   ) -> dict[tuple[str, str, str], float]:
    """(indicator, scope, key) → the target for the days [first, last]."""
    shares = dict(months_of(first, last))
    rows = session.scalars(select(KpiTarget).where(KpiTarget.month.in_(list(shares)))).all()
    totals: dict[tuple[str, str, str], list[float]] = {}
    for row in rows:
        indicator = INDICATORS.get(row.indicator)
        if indicator is None:
            continue
        acc = totals.setdefault((row.indicator, row.scope, row.key), [0.0, 0.0])
        share = shares[row.month]
        acc[0] += row.value * share
        acc[1] += share
    return {k: (value if INDICATORS[k[0]].kind == "count" else value / weight)
            for k, (value, weight) in totals.items() if weight}


def status(indicator: str, value: float | None, target: float | None, margin: float
           ) -> str | None:
    """green, amber or red (see the module's docstring); None without value or target."""
    if value is None or target is None:
        return None
    if not INDICATORS[indicator].higher_is_better:
        value, target = -value, -target
    if value >= target:
        return "green"
    return "amber" if value >= target - abs(target) * margin else "red"


def month_targets(session: Session, month: str) -> list[Target]:
    """The targets set for `month` (YYYY-MM)."""
    _check_month(month)
    return [Target(t.indicator, t.scope, t.key, t.value) for t in session.scalars(
        select(KpiTarget).where(KpiTarget.month == month)
        .order_by(KpiTarget.indicator, KpiTarget.scope, KpiTarget.key))]


def set_month_targets(session: Session, user: User, month: str, targets: Iterable[Any],
                      now: datetime) -> list[Target]:
    """Replace the targets of `month` with `targets` (dicts); InvalidData naming each bad
    entry; audited as `kpi_targets_set`. The caller commits."""
    _check_month(month)
    checked = _checked(session, list(targets))
    session.execute(delete(KpiTarget).where(KpiTarget.month == month))
    for t in checked:
        session.add(KpiTarget(indicator=t.indicator, scope=t.scope, key=t.key, month=month,
                              value=t.value, set_by_id=user.id, set_at=now))
    record(session, "kpi_targets_set", at=now, actor=user,
           data={"month": month, "targets": len(checked)})
    return checked


def _check_month(month: str) -> None:
    if not MONTH.fullmatch(month or ""):
        raise InvalidData("month must be YYYY-MM", {"month": "invalid month"})


def _checked(session: Session, raw: list[Any]) -> list[Target]:
    problems: dict[str, str] = {}
    found: dict[tuple[str, str, str], Target] = {}
    users = set(session.scalars(select(User.username)))
    for i, item in enumerate(raw):
        target, wrong = _target(item, users)
        problems.update({f"targets/{i}{path}": why for path, why in wrong.items()})
        if target is not None:
            where = (target.indicator, target.scope, target.key)
            if where in found:
                problems[f"targets/{i}"] = "set twice"
            found[where] = target
    if problems:
        raise InvalidData("some targets are not valid", problems)
    return list(found.values())


def _target(item: Any, users: set[str]) -> tuple[Target | None, dict[str, str]]:
    """One entry as a Target, or the problems of its fields (path → reason)."""
    if not isinstance(item, dict):
        return None, {"": "not an object"}
    name, scope, key, value = (item.get("indicator"), item.get("scope"),
                               item.get("key") or "", item.get("value"))
    indicator = INDICATORS.get(name) if isinstance(name, str) else None
    wrong: dict[str, str] = {}
    if indicator is None:
        wrong["/indicator"] = f"one of {', '.join(INDICATORS)}"
    if scope not in SCOPES:
        wrong["/scope"] = f"one of {', '.join(SCOPES)}"
    elif (scope == "department") != (key == ""):
        wrong["/key"] = "empty for the department, and only for it"
    elif (scope == "role" and key not in ALL_ROLES) or (scope == "user" and key not in users):
        wrong["/key"] = f"no such {scope}"
    is_rate = indicator is not None and indicator.kind == "rate"
    if isinstance(value, bool) or not isinstance(value, int | float) or not (
            0 <= value <= (1 if is_rate else 1e9)):
        wrong["/value"] = "a fraction from 0 to 1" if is_rate else "a number from 0"
    if wrong or indicator is None or not isinstance(value, int | float):
        return None, wrong
    return Target(indicator.name, str(scope), str(key), float(value)), {}
