"""Budget against actual cost of visits and receptions, from the plan and the settlement."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from .history import Completion, completions, latest_by_instance, number

# The budget lines of the plan forms (visit_preparation.json, reception_register.json);
# the processes' own check scripts add the same lines up.
COST_FIELDS = ("transport_cost", "accommodation_cost", "meal_cost", "gift_cost", "other_cost")
# process -> (planning step, settlement step); settlements carry `actual_cost`.
PLANS = {"key_account_visit": ("prepare_visit", "settle_expenses"),
         "customer_reception": ("register_reception", "settle_reception")}


def _budget(plan: Completion) -> float:
    return sum(number(plan.data.get(field)) or 0.0 for field in COST_FIELDS)


def cost_indicators(session: Session, start: datetime, end: datetime) -> dict[str, Any]:
    """Per settled instance in [start, end): budget, actual cost and the variance; totals
    per process."""
    rows: list[dict[str, Any]] = []
    totals: list[dict[str, Any]] = []
    for process, (plan_step, settle_step) in PLANS.items():
        settled = latest_by_instance([d for d in completions(session, (settle_step,), start, end,
                                                                 fields=("actual_cost",))
                                      if d.process_key == process])
        plans = latest_by_instance(completions(session, (plan_step,),
                                               instance_ids=settled.keys(), fields=COST_FIELDS))
        budget_sum = actual_sum = 0.0
        for instance_id, settlement in sorted(settled.items()):
            actual = number(settlement.data.get("actual_cost"))
            plan = plans.get(instance_id)
            if actual is None or plan is None:
                continue
            budget = _budget(plan)
            budget_sum += budget
            actual_sum += actual
            rows.append({"process": process, "instance_id": instance_id,
                         "customer": settlement.customer_name, "budget": round(budget, 2),
                         "actual": round(actual, 2), "variance": round(actual - budget, 2)})
        totals.append({"process": process, "settled": sum(
            1 for r in rows if r["process"] == process), "budget": round(budget_sum, 2),
            "actual": round(actual_sum, 2), "variance": round(actual_sum - budget_sum, 2)})
    return {"instances": rows, "totals": totals}
