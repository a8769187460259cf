"""The department's performance indicators (domain.md), computed from the process history.

Everything is read from `audit_event` (task completions with their submitted form data,
customer filings), `human_task` and `customer`; workflows are never restored.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from .costs import cost_indicators
from .customers import filing_indicators, forecast_indicators, volume_indicators
from .development import development_indicators
from .history import GROUPINGS, Grouping
from .tasks import process_indicators, task_indicators
from .visits import visit_indicators

DEPARTMENT_ZONE = "Asia/Shanghai"


def compute_kpis(session: Session, start: datetime, end: datetime, now: datetime,
                 by: str = "user", zone: str = DEPARTMENT_ZONE) -> dict[str, Any]:
    """Every indicator for the half-open period [start, end), grouped by user or role.

    `now` decides what is overdue; `zone` decides which month a visit falls in. The keys
    `groups`, `overdue_now`, `steps`, `processes` and `approvals` are the generic task
    indicators of the first /api/kpis; `development`, `visits`, `costs` and `customers`
    hold the department's own.
    """
    grouping = Grouping(session, by)  # raises ValueError for an unknown grouping
    return {
        "from": start.isoformat(), "to": end.isoformat(), "by": by,
        **task_indicators(session, start, end, now, grouping),
        **process_indicators(session, start, end),
        "development": development_indicators(session, start, end, grouping),
        "visits": visit_indicators(session, start, end, grouping, ZoneInfo(zone)),
        "costs": cost_indicators(session, start, end),
        "customers": {
            **filing_indicators(session, start, end),
            "volumes": volume_indicators(session, grouping),
            "forecasts": forecast_indicators(session, start, end),
        },
    }


__all__ = ["GROUPINGS", "compute_kpis"]
