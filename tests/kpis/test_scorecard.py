"""The scorecard over the known month: values from the indicators, targets, statuses, the
department row, and what a senior manager may read of it."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from engine.accounts import create_user
from engine.kpis import compute_kpis
from engine.kpis.own import own_view

CHINA = ZoneInfo("Asia/Shanghai")
MARCH = (datetime(2026, 3, 1, tzinfo=CHINA), datetime(2026, 4, 1, tzinfo=CHINA))


def march(history, by="user", **kwargs):
    return compute_kpis(history.session, *MARCH, history.clock.now(), by, **kwargs)


def test_rows_carry_the_indicators_with_targets_and_statuses(history):
    history.kf.set_kpi_targets(history.session, history.users["dept_head"], "2026-03", [
        {"indicator": "prospects_registered", "scope": "user", "key": "senior_manager",
         "value": 5},
        {"indicator": "visits_done", "scope": "user", "key": "senior_manager", "value": 1.1},
        {"indicator": "applications_submitted", "scope": "user", "key": "senior_manager",
         "value": 6}])
    history.session.commit()
    rows = {r["key"]: r for r in march(history)["rows"]}
    mine = rows["senior_manager"]["scores"]
    assert mine["prospects_registered"] == {"value": 5, "target": 5.0, "status": "green"}
    assert mine["visits_done"] == {"value": 1, "target": 1.1, "status": "amber"}
    assert mine["applications_submitted"] == {"value": 3, "target": 6.0, "status": "red"}
    assert mine["receptions_held"]["target"] is None and mine["receptions_held"]["status"] \
        is None
    assert rows["dept_head"]["scores"]["approval_rate"]["value"] == 1.0
    assert "(customer)" not in rows  # a customer's answers are nobody's row


def test_the_department_row_and_role_rows(history):
    history.kf.set_kpi_targets(history.session, history.users["marketing_director"],
                               "2026-03", [{"indicator": "prospects_registered",
                                            "scope": "department", "value": 10}])
    history.session.commit()
    [department] = march(history, "department")["rows"]
    assert department["key"] == ""
    assert department["scores"]["prospects_registered"] == {
        "value": 5, "target": 10.0, "status": "red"}
    assert department["scores"]["approval_rate"]["value"] == 1.0
    roles = {r["key"] for r in march(history, "role")["rows"]}
    assert {"senior_manager", "dept_head"} <= roles


def test_a_senior_manager_reads_only_their_own_rows(history):
    other = create_user(history.session, history.clock, "sm_other", ["senior_manager"])
    history.session.commit()
    full = march(history)
    assert any(g["key"] == "dept_head" for g in full["groups"])
    mine = own_view(march(history, only="senior_manager"), "senior_manager")
    assert [r["key"] for r in mine["rows"]] == ["senior_manager"]
    assert {g["key"] for g in mine["groups"]} == {"senior_manager"}
    assert [g["key"] for g in mine["development"]["groups"]] == ["senior_manager"]
    assert mine["development"]["totals"]["prospects_registered"] == 5
    assert mine["costs"] == {"instances": [], "totals": []}
    assert mine["customers"]["forecasts"] == [] and mine["customers"]["by_class"] == {}
    assert mine["steps"] == [] and mine["approvals"] == []
    theirs = own_view(march(history, only=other.username), other.username)
    assert [r["key"] for r in theirs["rows"]] == [other.username]
    assert theirs["rows"][0]["scores"]["prospects_registered"]["value"] == 0
    assert theirs["development"]["groups"] == [] and theirs["visits"]["per_manager_month"] == []
