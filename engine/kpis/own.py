"""A senior manager's view of the indicators: their own rows, nothing of their colleagues'.

Leaders, process owners and admins read the whole computation; a senior manager reads the
same reply with every per-person list cut to their own row and the department-wide figures
(costs and forecasts per customer, approvals, steps, class counts) left empty, since those
name other managers' customers.
"""

from __future__ import annotations

from typing import Any

ZERO_VISITS = {"visits_done": 0, "receptions_held": 0, "mean_lead_time_days": None}
ZERO_DEVELOPMENT = {"prospects_registered": 0, "applications_submitted": 0, "approved": 0,
                    "rejected": 0, "returned": 0, "approval_rate": None}


def own_view(kpis: dict[str, Any], username: str) -> dict[str, Any]:
    """`kpis` (computed by user) as `username` may read it."""

    def mine(rows: list[dict[str, Any]], field: str = "key") -> list[dict[str, Any]]:
        return [row for row in rows if row.get(field) == username]

    development, visits, customers = kpis["development"], kpis["visits"], kpis["customers"]
    own_development, own_visits = mine(development["groups"]), mine(visits["groups"])
    groups = mine(kpis["groups"])
    total = {k: v for k, v in (own_development or [ZERO_DEVELOPMENT])[0].items() if k != "key"}
    visit_total = {k: v for k, v in (own_visits or [ZERO_VISITS])[0].items() if k != "key"}
    return {
        **kpis,
        "groups": groups, "overdue_now": sum(g["overdue_now"] for g in groups),
        "steps": [], "processes": [], "approvals": [],
        "development": {"groups": own_development, "totals": {**ZERO_DEVELOPMENT, **total},
                        "monthly": mine(development["monthly"])},
        "visits": {"groups": own_visits, "totals": {**ZERO_VISITS, **visit_total},
                   "per_manager_month": mine(visits["per_manager_month"], "user"),
                   "monthly": mine(visits["monthly"]),
                   "appointments": {"confirmed": 0, "rescheduled": 0, "declined": 0,
                                    "timed_out": 0, "confirmation_rate": None}},
        "costs": {"instances": [], "totals": []},
        "customers": {**customers, "new_key_accounts": 0, "pool_entries": 0, "converted": 0,
                      "in_pool": 0, "conversion_rate": None, "by_class": {},
                      "volumes": mine(customers["volumes"]), "forecasts": []},
    }
