"""Visit and reception indicators: visits done, lead time, confirmations, receptions."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.models import AuditEvent
from engine.roles import RoleName

from .history import Grouping, completions, mean, rate

VISIT = "key_account_visit"
RECEPTION = "customer_reception"
DAY_SECONDS = 86400


def _lead_days(session: Session, reports: list[Any]) -> dict[int, float]:
    """Days from the first contact's completion to the visit report, per instance."""
    ids = {r.instance_id for r in reports if r.instance_id is not None}
    first: dict[int, datetime] = {}
    for contact in completions(session, ("first_contact",), instance_ids=ids,
                               fields=()):
        if contact.instance_id is not None:
            first.setdefault(contact.instance_id, contact.at)  # ordered: the first one stays
    return {r.instance_id: (r.at - first[r.instance_id]).total_seconds() / DAY_SECONDS
            for r in reports if r.instance_id in first}


def _confirmations(session: Session, start: datetime, end: datetime) -> dict[str, Any]:
    """The customers' answers to appointment links, and links left unanswered."""
    answers = [d.data.get("appointment_answer") for d in
               completions(session, ("confirm_appointment",), start, end,
                           fields=("appointment_answer",))
               if d.process_key == VISIT]
    # The 3-day boundary timer withdraws the unanswered confirmation task.
    timed_out = session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "task_cancelled", AuditEvent.process_key == VISIT,
        AuditEvent.bpmn_id == "confirm_appointment", AuditEvent.at >= start,
        AuditEvent.at < end)) or 0
    confirmed, declined = answers.count("confirm"), answers.count("decline")
    return {"confirmed": confirmed, "rescheduled": answers.count("reschedule"),
            "declined": declined, "timed_out": timed_out,
            "confirmation_rate": rate(confirmed, confirmed + declined + timed_out)}


def visit_indicators(session: Session, start: datetime, end: datetime, grouping: Grouping,
                     zone: ZoneInfo) -> dict[str, Any]:
    """Per group: visits done, mean first-contact-to-visit days, receptions held; visits per
    senior manager per month; visits and receptions per group and month (`monthly`); the
    appointment confirmation rate."""
    reports = [d for d in completions(session, ("visit_report",), start, end, fields=())
               if d.process_key == VISIT]
    receptions = [d for d in completions(session, ("reception_summary",), start, end,
                                          fields=())
                  if d.process_key == RECEPTION]
    lead = _lead_days(session, reports)
    groups: dict[str, dict[str, Any]] = {}

    def group(key: str) -> dict[str, Any]:
        return groups.setdefault(key, {"key": key, "visits_done": 0, "_lead": [],
                                       "receptions_held": 0})

    monthly: dict[tuple[str, str], int] = {}
    trend: dict[tuple[str, str], dict[str, Any]] = {}

    def month_of(key: str, at: datetime) -> dict[str, Any]:
        month = at.astimezone(zone).strftime("%Y-%m")
        return trend.setdefault((key, month), {"key": key, "month": month, "visits_done": 0,
                                               "receptions_held": 0})

    for report in reports:
        row = group(grouping.key(report))
        row["visits_done"] += 1
        month_of(row["key"], report.at)["visits_done"] += 1
        if report.instance_id in lead:
            row["_lead"].append(lead[report.instance_id])
        if report.role == RoleName.SENIOR_MANAGER:
            month = report.at.astimezone(zone).strftime("%Y-%m")
            person = grouping.user(report.actor_id)
            monthly[(person, month)] = monthly.get((person, month), 0) + 1
    for reception in receptions:
        group(grouping.key(reception))["receptions_held"] += 1
        month_of(grouping.key(reception), reception.at)["receptions_held"] += 1
    rows = sorted(groups.values(), key=lambda g: g["key"])
    for row in rows:
        row["mean_lead_time_days"] = mean(row.pop("_lead"))
    return {
        "groups": rows,
        "totals": {"visits_done": len(reports), "receptions_held": len(receptions),
                   "mean_lead_time_days": mean(list(lead.values()))},
        "per_manager_month": [{"user": user, "month": month, "visits": count}
                              for (user, month), count in sorted(monthly.items())],
        "monthly": [trend[k] for k in sorted(trend)],
        "appointments": _confirmations(session, start, end),
    }
