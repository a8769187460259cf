"""The department's indicators over a known month of history, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from engine.kpis import compute_kpis

CHINA = ZoneInfo("Asia/Shanghai")
MARCH = (datetime(2026, 3, 1, tzinfo=CHINA), datetime(2026, 4, 1, tzinfo=CHINA))


def march(history, by="user"):
    return compute_kpis(history.session, *MARCH, history.clock.now(), by)


def test_development_by_user(history):
    kpis = march(history)["development"]
    assert kpis["totals"] == {"prospects_registered": 5, "applications_submitted": 3,
                              "approved": 2, "rejected": 0, "returned": 1,
                              "approval_rate": 1.0}
    groups = {g["key"]: g for g in kpis["groups"]}
    assert groups["senior_manager"]["prospects_registered"] == 5
    assert groups["senior_manager"]["applications_submitted"] == 3
    assert (groups["dept_head"]["approved"], groups["dept_head"]["returned"]) == (2, 1)


def test_development_by_role(history):
    groups = {g["key"]: g for g in march(history, "role")["development"]["groups"]}
    assert set(groups) == {"senior_manager", "dept_head"}
    assert groups["dept_head"]["approval_rate"] == 1.0
    assert groups["senior_manager"]["approval_rate"] is None  # decides nothing


def test_new_key_accounts_pool_and_conversion(history):
    customers = march(history)["customers"]
    assert customers["new_key_accounts"] == 2
    assert sum(customers["by_class"].values()) == 2
    assert (customers["pool_entries"], customers["converted"], customers["in_pool"]) == (1, 1, 1)
    assert customers["conversion_rate"] == 1.0


def test_volumes_and_forecasts_against_contracts_signed_in_the_period(history):
    from sqlalchemy import select

    from engine.models import Customer

    customers = march(history)["customers"]
    assert customers["volumes"] == [{"key": "senior_manager", "key_accounts": 2,
                                     "cumulative_volume": 2400.0,
                                     "largest_single_volume": 800.0}]
    # No contract recorded yet: nothing contracted against the two forecasts of March.
    assert [(f["customer"], f["forecast_volume"], f["actual_volume"], f["attainment"])
            for f in customers["forecasts"]] == [("中建三局", 2000.0, 0.0, 0.0),
                                                  ("中铁十局", 2000.0, 0.0, 0.0)]
    ids = dict(history.session.execute(select(Customer.name, Customer.id)).tuples().all())
    clerk, kf, s = history.users["clerk"], history.kf, history.session
    kf.record_contract(s, clerk, ids["中建三局"], number="HT-1", signed_on="2026-03-20",
                       volume=1500, note=None)
    kf.record_contract(s, clerk, ids["中建三局"], number="HT-2", signed_on="2026-04-02",
                       volume=900, note=None)  # after the period
    wrong = kf.record_contract(s, clerk, ids["中铁十局"], number="HT-3",
                               signed_on="2026-03-05", volume=5000, note=None)
    kf.void_contract(s, clerk, ids["中铁十局"], wrong.id, "typed 5000 for 500")
    kf.record_contract(s, clerk, ids["中铁十局"], number="HT-3", signed_on="2026-03-05",
                       volume=500, note="corrected")
    s.commit()
    forecasts = march(history)["customers"]["forecasts"]
    assert [(f["customer"], f["actual_volume"], f["attainment"]) for f in forecasts] == [
        ("中建三局", 1500.0, 0.75), ("中铁十局", 500.0, 0.25)]
    by_role = march(history, "role")["customers"]["volumes"]
    assert [(v["key"], v["key_accounts"]) for v in by_role] == [("senior_manager", 2)]


def test_a_rejection_lowers_the_approval_rate(history):
    rejected = history.start("key_account_development")
    history.complete(rejected, "register_prospect", customer_name="中冶建工")
    history.run(rejected, "collect_basic_info", "analyse_usage", "deeper_analysis", "forecast",
                "development_application")
    history.complete(rejected, "head_review", head_decision="reject", head_comment="不符合")
    totals = march(history)["development"]["totals"]
    assert (totals["approved"], totals["rejected"], totals["returned"]) == (2, 1, 1)
    assert totals["approval_rate"] == 0.6667


def test_visits_lead_time_and_confirmations(history):
    visits = march(history)["visits"]
    assert visits["totals"] == {"visits_done": 1, "receptions_held": 1,
                                "mean_lead_time_days": 18.0}
    groups = {g["key"]: g for g in visits["groups"]}
    assert groups["senior_manager"]["visits_done"] == 1
    assert groups["senior_manager"]["mean_lead_time_days"] == 18.0
    assert visits["per_manager_month"] == [{"user": "senior_manager", "month": "2026-03",
                                            "visits": 1}]
    assert visits["appointments"] == {"confirmed": 1, "rescheduled": 0, "declined": 1,
                                      "timed_out": 1, "confirmation_rate": 0.3333}


def test_budget_against_actual(history):
    costs = march(history)["costs"]
    assert [(c["process"], c["customer"], c["budget"], c["actual"], c["variance"])
            for c in costs["instances"]] == [
        ("key_account_visit", "中铁十局", 2800.0, 2500.5, -299.5),
        ("customer_reception", "中铁十局", 3300.0, 3000.0, -300.0)]
    assert costs["totals"][0] == {"process": "key_account_visit", "settled": 1,
                                  "budget": 2800.0, "actual": 2500.5, "variance": -299.5}


def test_generic_task_indicators_are_kept(history):
    kpis = march(history, "role")
    steps = {(s["process"], s["step"]): s for s in kpis["steps"]}
    assert steps[("key_account_visit", "visit_report")]["completed"] == 1
    assert {p["process"] for p in kpis["processes"]} == {
        "key_account_development", "key_account_visit", "customer_reception"}
    assert {"key", "tasks_completed", "on_time_rate", "overdue_now"} <= set(kpis["groups"][0])


def test_another_period_sees_nothing(history):
    april = compute_kpis(history.session, MARCH[1], datetime(2026, 5, 1, tzinfo=CHINA),
                         history.clock.now())
    assert april["development"]["totals"]["prospects_registered"] == 0
    assert april["visits"]["totals"]["visits_done"] == 0
    assert april["customers"]["new_key_accounts"] == 0
    assert april["costs"]["instances"] == []
    assert april["customers"]["volumes"][0]["key_accounts"] == 2  # the register, as it is now


def test_unknown_grouping_is_refused(history):
    with pytest.raises(ValueError):
        march(history, "team")
