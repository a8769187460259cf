"""Development indicators: prospects, applications and their approval outcomes."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import HumanTask

from .history import Completion, Grouping, among, completions, rate

PROCESS = "key_account_development"
# The decision field of each approving step (processes/forms/dev_*_approval|review.json).
DECISIONS = {"head_review": "head_decision", "director_approval": "director_decision"}
OUTCOMES = {"approve": "approved", "reject": "rejected", "return": "returned"}


def _escalated(session: Session, instance_ids: set[int]) -> dict[int, list[datetime]]:
    """When each instance's director approval tasks were created."""
    found: dict[int, list[datetime]] = {}
    rows = session.execute(select(HumanTask.instance_id, HumanTask.created_at).where(
        HumanTask.process_key == PROCESS, HumanTask.bpmn_id == "director_approval",
        among(session, HumanTask.instance_id, instance_ids))).tuples()
    for instance_id, created_at in rows:
        found.setdefault(instance_id, []).append(created_at)
    return found


def _final(done: Completion, escalated: dict[int, list[datetime]]) -> bool:
    """Whether an approval ends the chain: the director's, or the head's when no director
    approval followed (the approval level decided the head was enough)."""
    if done.bpmn_id == "director_approval" or done.instance_id is None:
        return True
    return not any(at >= done.at for at in escalated.get(done.instance_id, []))


def development_indicators(session: Session, start: datetime, end: datetime,
                           grouping: Grouping, zone: ZoneInfo) -> dict[str, Any]:
    """Per group: prospects registered, applications submitted, approved / rejected /
    returned decisions and the approval rate (approved / (approved + rejected)); the same
    counts per group and month (`monthly`, months in `zone`) for the trend."""
    steps = ("register_prospect", "development_application", *DECISIONS)
    done = [d for d in completions(session, steps, start, end, fields=DECISIONS.values())
            if d.process_key == PROCESS]
    escalated = _escalated(session, {d.instance_id for d in done
                                     if d.instance_id is not None and d.bpmn_id in DECISIONS})
    groups: dict[str, dict[str, Any]] = {}
    monthly: dict[tuple[str, str], dict[str, Any]] = {}
    totals = {"prospects_registered": 0, "applications_submitted": 0, "approved": 0,
              "rejected": 0, "returned": 0}
    for item in done:
        row = groups.setdefault(grouping.key(item), {"key": grouping.key(item),
                                                     **dict.fromkeys(totals, 0)})
        if item.bpmn_id == "register_prospect":
            counted = "prospects_registered"
        elif item.bpmn_id == "development_application":
            counted = "applications_submitted"
        else:
            decision = item.data.get(DECISIONS[item.bpmn_id])
            if decision not in OUTCOMES or (decision == "approve"
                                            and not _final(item, escalated)):
                continue  # a head's approval passed on to the director is not an outcome
            counted = OUTCOMES[decision]
        row[counted] += 1
        totals[counted] += 1
        month = item.at.astimezone(zone).strftime("%Y-%m")
        by_month = monthly.setdefault((row["key"], month), {
            "key": row["key"], "month": month, **dict.fromkeys(totals, 0)})
        by_month[counted] += 1
    rows = sorted(groups.values(), key=lambda g: g["key"])
    for row in [*rows, totals]:
        row["approval_rate"] = rate(row["approved"], row["approved"] + row["rejected"])
    return {"groups": rows, "totals": totals,
            "monthly": [monthly[k] for k in sorted(monthly)]}
