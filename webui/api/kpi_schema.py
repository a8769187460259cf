"""OpenAPI schemas of the department's indicators in GET /api/kpis (engine.kpis)."""

from __future__ import annotations

from typing import Any

INT = {"type": "integer"}
NUM = {"type": "number"}
RATE = {"type": ["number", "null"], "description": "a fraction 0..1; null when undefined"}
MEAN = {"type": ["number", "null"]}
STR = {"type": "string"}


def _obj(**properties: Any) -> dict[str, Any]:
    return {"type": "object", "required": list(properties), "properties": properties}


def _list(item: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": item}


_DEVELOPMENT_ROW = dict(prospects_registered=INT, applications_submitted=INT, approved=INT,
                        rejected=INT, returned=INT, approval_rate=RATE)
_DEVELOPMENT_COUNTS = {k: v for k, v in _DEVELOPMENT_ROW.items() if k != "approval_rate"}
_VISIT_ROW = dict(visits_done=INT, receptions_held=INT, mean_lead_time_days=MEAN)
_COST_ROW = dict(process=STR, budget=NUM, actual=NUM, variance=NUM)

KPI_AREAS: dict[str, Any] = {
    "development": _obj(
        groups=_list(_obj(key=STR, **_DEVELOPMENT_ROW)), totals=_obj(**_DEVELOPMENT_ROW),
        monthly=_list(_obj(key=STR, month=STR, **_DEVELOPMENT_COUNTS))),
    "visits": _obj(
        groups=_list(_obj(key=STR, **_VISIT_ROW)), totals=_obj(**_VISIT_ROW),
        per_manager_month=_list(_obj(user=STR, month=STR, visits=INT)),
        monthly=_list(_obj(key=STR, month=STR, visits_done=INT, receptions_held=INT)),
        appointments=_obj(confirmed=INT, rescheduled=INT, declined=INT, timed_out=INT,
                          confirmation_rate=RATE)),
    "costs": _obj(
        instances=_list(_obj(instance_id=INT, customer={"type": ["string", "null"]},
                             **_COST_ROW)),
        totals=_list(_obj(settled=INT, **_COST_ROW))),
    "customers": _obj(
        new_key_accounts=INT, pool_entries=INT, converted=INT, in_pool=INT,
        conversion_rate=RATE,
        by_class={"type": "object", "additionalProperties": INT},
        volumes=_list(_obj(key=STR, key_accounts=INT, cumulative_volume=NUM,
                           largest_single_volume=NUM)),
        forecasts=_list(_obj(customer=STR, instance_id=INT, forecast_volume=NUM,
                             actual_volume=NUM, attainment=RATE))),
}
