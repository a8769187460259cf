"""The department's performance indicators (domain.md), computed from the process history.

Everything is read from `audit_event` (task completions with their submitted form data,
customer filings), `human_task` and `customer`; workflows are never restored.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from .costs import cost_indicators
from .customers import filing_indicators, forecast_indicators, volume_indicators
from .development import development_indicators
from .history import GROUPINGS, Grouping
from .scorecard import scorecard
from .tasks import process_indicators, task_indicators
from .visits import visit_indicators

DEPARTMENT_ZONE = "Asia/Shanghai"


SCORECARD_GROUPINGS = (*GROUPINGS, "department")


def compute_kpis(session: Session, start: datetime, end: datetime, now: datetime,
                 by: str = "user", zone: str = DEPARTMENT_ZONE, margin: float = 0.1,
                 only: str | None = None) -> dict[str, Any]:
    """Every indicator for the half-open period [start, end), grouped by user or role, and
    the scorecard `rows` by user, role or the whole department (`only`: one user's row).

    `now` decides what is overdue; `zone` decides which month a visit falls in and which
    days the targets cover; `margin` is how far below target is still amber. The keys
    `groups`, `overdue_now`, `steps`, `processes` and `approvals` are the generic task
    indicators of the first /api/kpis; `development`, `visits`, `costs` and `customers`
    hold the department's own (grouped by user when `by` is department).
    """
    if by not in SCORECARD_GROUPINGS:
        raise ValueError(f"unknown grouping {by!r}")
    grouping = Grouping(session, "user" if by == "department" else by)
    tz = ZoneInfo(zone)
    first, last = start.astimezone(tz).date(), (end - timedelta(microseconds=1)).astimezone(
        tz).date()
    kpis = _indicators(session, start, end, now, grouping, tz)
    rows = scorecard(session, kpis, by, first, last, margin, only)
    return {"from": start.isoformat(), "to": end.isoformat(), "by": by,
            "rows": [asdict(row) for row in rows], **kpis}


def _indicators(session: Session, start: datetime, end: datetime, now: datetime,
                grouping: Grouping, zone: ZoneInfo) -> dict[str, Any]:
    return {
        **task_indicators(session, start, end, now, grouping),
        **process_indicators(session, start, end),
        "development": development_indicators(session, start, end, grouping, zone),
        "visits": visit_indicators(session, start, end, grouping, zone),
        "costs": cost_indicators(session, start, end),
        "customers": {
            **filing_indicators(session, start, end),
            "volumes": volume_indicators(session, grouping),
            "forecasts": forecast_indicators(session, start, end, zone),
        },
    }


__all__ = ["GROUPINGS", "SCORECARD_GROUPINGS", "compute_kpis"]
