"""Valid data for every user task of the three real processes, varied to walk every path.

The base is tests/data/process_submissions.json (valid submissions per BPMN id, written for a
clock on 2026-03-02). Its dates are moved to the simulated clock's "today" and squeezed
(every 6 days become one, rounded up: a visit 18 days out becomes 3 days out), so a timer
waiting for the visit or reception day is reached after a few clock moves. Squeezing keeps
every "not before" relation between dates of one form. On top of that, choices are drawn:
heads, directors and finance send work back or reject, customers are found existing or
worth nothing, methods, budgets and follow-ups vary, and a few plans are inconsistent on
purpose so that the process's own check returns the task.
"""

from __future__ import annotations

import copy
import json
import math
import random
from datetime import date, timedelta
from typing import Any

from bench.common import ROOT

BASE = date(2026, 3, 2)  # the day the submissions' dates were written for
SQUEEZE = 6
SUBMISSIONS: dict[str, dict[str, Any]] = json.loads(
    (ROOT / "tests" / "data" / "process_submissions.json").read_text(encoding="utf-8"))
DECISIONS = {  # BPMN id -> (decision field, comment field)
    "head_review": ("head_decision", "head_comment"),
    "director_approval": ("director_decision", "director_comment"),
    "head_approve_plan": ("head_decision", "head_comment"),
    "director_approve_plan": ("director_decision", "director_comment"),
    "head_approve_reception": ("head_decision", "head_comment"),
    "director_approve_reception": ("director_decision", "director_comment"),
    "finance_approve_advance": ("finance_decision", "finance_comment"),
    "finance_approve_budget": ("finance_decision", "finance_comment"),
}
FOLLOW_UPS = {"follow_up_appointment": ("declined", "visit_date"),
              "follow_up_arrival": ("cancelled", "reception_date")}


def squeezed(day: date, today: date) -> date:
    """`day` of the submissions, as a date of the simulation (never before `today`)."""
    return today + timedelta(days=math.ceil((day - BASE).days / SQUEEZE))


def moved_dates(data: dict[str, Any], today: date) -> dict[str, Any]:
    """The data with every 2026 date string moved to the simulation's calendar."""
    moved = {}
    for name, value in data.items():
        if isinstance(value, str) and len(value) == 10 and value.startswith("2026-"):
            value = squeezed(date.fromisoformat(value), today).isoformat()
        moved[name] = value
    return moved


def task_data(bpmn_id: str, instance_id: int, current: dict[str, Any], today: date,
              rng: random.Random) -> dict[str, Any]:
    """A valid submission for task `bpmn_id` of instance `instance_id` on day `today`.

    `current` is the instance's data as the task API shows it (the customer's name)."""
    data = moved_dates(copy.deepcopy(SUBMISSIONS[bpmn_id]), today)
    if bpmn_id in DECISIONS:
        return _decision(data, *DECISIONS[bpmn_id], rng)
    if bpmn_id in FOLLOW_UPS:
        return _follow_up(data, *FOLLOW_UPS[bpmn_id], rng)
    vary = VARIATIONS.get(bpmn_id)
    if vary is not None:
        vary(data, instance_id, current, rng)
    return data


def _decision(data: dict[str, Any], field: str, comment: str,
              rng: random.Random) -> dict[str, Any]:
    roll = rng.random()
    if roll < 0.2:
        return {field: "return", comment: "请补充后再提交"}
    if roll < 0.26:
        return {field: "reject", comment: "暂不考虑"}
    return data


def _follow_up(data: dict[str, Any], give_up: str, date_field: str,
               rng: random.Random) -> dict[str, Any]:
    roll = rng.random()
    if roll < 0.1:
        return {"follow_up_result": give_up}
    if roll < 0.4:
        data["follow_up_result"] = "resend"  # a new link goes to the customer
    return data


def _prospect(data: dict[str, Any], iid: int, current: dict[str, Any],
              rng: random.Random) -> None:
    data["customer_name"] = f"开发客户{iid}"
    data["existing_customer"] = rng.random() < 0.3  # the clerk audits the credit
    data["key_contact_name"] = f"联系人{iid}"


def _basic_info(data: dict[str, Any], iid: int, current: dict[str, Any],
                rng: random.Random) -> None:
    if rng.random() < 0.15:  # high value and quality: the director must approve
        data.update(cumulative_volume=8000, largest_single_volume=6000)


def _credit(data: dict[str, Any], iid: int, current: dict[str, Any],
            rng: random.Random) -> None:
    data["audited_credit"] = rng.choice(["good", "good", "fair"])  # fair reclassifies


def _forecast(data: dict[str, Any], iid: int, current: dict[str, Any],
              rng: random.Random) -> None:
    roll = rng.random()
    if roll < 0.12:  # not worth developing: the potential pool
        data.update(forecast_profit=10000, development_cost=50000)
    elif roll < 0.3:
        data["forecast_sales"] = 1_500_000  # above the director's threshold


def _filing(data: dict[str, Any], iid: int, current: dict[str, Any],
            rng: random.Random) -> None:
    data["account_number"] = f"KA-{iid}"


def _topic(data: dict[str, Any], iid: int, current: dict[str, Any],
           rng: random.Random) -> None:
    data["customer_name"] = current.get("customer_name") or f"拜访客户{iid}"
    data["method"] = rng.choices(["visit", "presentation", "materials"], [70, 15, 15])[0]


def _outreach(data: dict[str, Any], iid: int, current: dict[str, Any],
              rng: random.Random) -> None:
    data["outreach_next"] = "later" if rng.random() < 0.2 else "visit"


def _first_contact(data: dict[str, Any], iid: int, current: dict[str, Any],
                   rng: random.Random) -> None:
    data["customer_email"] = f"visit{iid}@customer.test"
    if rng.random() < 0.05:
        data["contact_outcome"] = "declined"
        del data["visit_date"], data["customer_email"]


def _preparation(data: dict[str, Any], iid: int, current: dict[str, Any],
                 rng: random.Random) -> None:
    roll = rng.random()
    if roll < 0.06:
        data["advance_requested"] = 50000  # above the budget: the plan's check returns it
    elif roll < 0.2:
        data["accommodation_cost"] = 3001  # 5001 in all: the director must approve


def _reception(data: dict[str, Any], iid: int, current: dict[str, Any],
               rng: random.Random) -> None:
    data["customer_name"] = f"接待客户{iid}"
    data["customer_email"] = f"reception{iid}@customer.test"
    if rng.random() < 0.15:
        data["reception_level"] = "executive"  # the director must approve


VARIATIONS = {"register_prospect": _prospect, "collect_basic_info": _basic_info,
              "credit_audit": _credit, "forecast": _forecast, "file_account": _filing,
              "topic_meeting": _topic, "send_invitation": _outreach,
              "send_materials": _outreach, "first_contact": _first_contact,
              "prepare_visit": _preparation, "register_reception": _reception}


def customer_answer(process: str, today: date, rng: random.Random) -> dict[str, str]:
    """What a customer posts on the link's page: mostly confirm, sometimes another date,
    on a visit sometimes decline (the reception's page offers no decline)."""
    roll = rng.random()
    if roll < 0.15:
        return {"action": "propose", "proposed_date": (today + timedelta(days=3)).isoformat(),
                "comment": "换个时间"}
    if roll < 0.22 and process == "key_account_visit":
        return {"action": "decline", "comment": "暂不需要"}
    return {"action": "confirm"}
