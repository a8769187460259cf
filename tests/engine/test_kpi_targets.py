"""Targets of the indicators: per month, prorated over any period, judged green/amber/red;
set only by leaders, every bad entry named."""

from __future__ import annotations

from datetime import date

import pytest

from engine.errors import Forbidden, InvalidData
from engine.kpis.targets import month_targets, months_of, period_targets, status


def test_months_of_a_period_with_their_shares():
    assert list(months_of(date(2026, 3, 1), date(2026, 3, 31))) == [("2026-03", 1.0)]
    assert list(months_of(date(2026, 3, 17), date(2026, 4, 15))) == [
        ("2026-03", 15 / 31), ("2026-04", 15 / 30)]
    assert [m for m, _ in months_of(date(2026, 1, 1), date(2026, 3, 31))] == [
        "2026-01", "2026-02", "2026-03"]  # a quarter
    assert list(months_of(date(2025, 12, 31), date(2026, 1, 1))) == [
        ("2025-12", 1 / 31), ("2026-01", 1 / 31)]


@pytest.mark.parametrize(("indicator", "value", "target", "expected"), [
    ("visits_done", 10, 10, "green"), ("visits_done", 12, 10, "green"),
    ("visits_done", 9, 10, "amber"), ("visits_done", 8.99, 10, "red"),
    ("approval_rate", 0.72, 0.8, "amber"), ("approval_rate", 0.5, 0.8, "red"),
    ("overdue_now", 2, 2, "green"), ("overdue_now", 2.2, 2, "amber"),
    ("overdue_now", 3, 2, "red"), ("overdue_now", 0, 0, "green"),
    ("visits_done", None, 10, None), ("visits_done", 3, None, None),
])
def test_status_against_target_with_a_ten_percent_margin(indicator, value, target, expected):
    assert status(indicator, value, target, 0.1) == expected


def test_leaders_set_a_month_and_periods_read_it_prorated(session, kf, users):
    head = users["dept_head"]
    kf.set_kpi_targets(session, head, "2026-03", [
        {"indicator": "visits_done", "scope": "user", "key": "senior_manager", "value": 31},
        {"indicator": "approval_rate", "scope": "department", "key": "", "value": 0.8},
        {"indicator": "overdue_now", "scope": "role", "key": "senior_manager", "value": 2}])
    kf.set_kpi_targets(session, users["marketing_director"], "2026-04", [
        {"indicator": "visits_done", "scope": "user", "key": "senior_manager", "value": 60},
        {"indicator": "approval_rate", "scope": "department", "key": "", "value": 0.5}])
    session.commit()
    assert len(month_targets(session, "2026-03")) == 3
    march = period_targets(session, date(2026, 3, 1), date(2026, 3, 31))
    assert march[("visits_done", "user", "senior_manager")] == 31
    half = period_targets(session, date(2026, 3, 17), date(2026, 4, 15))
    assert half[("visits_done", "user", "senior_manager")] == pytest.approx(15 + 30)
    assert half[("approval_rate", "department", "")] == pytest.approx(
        (0.8 * 15 / 31 + 0.5 * 0.5) / (15 / 31 + 0.5))  # a rate is averaged, not summed
    kf.set_kpi_targets(session, head, "2026-03", [])  # replacing a month clears it
    session.commit()
    assert month_targets(session, "2026-03") == []


def test_only_leaders_set_targets(session, kf, users):
    for name in ("senior_manager", "process_owner", "admin", "clerk"):
        with pytest.raises(Forbidden):
            kf.set_kpi_targets(session, users[name], "2026-03", [])


def test_every_bad_target_is_named(session, kf, users):
    with pytest.raises(InvalidData) as caught:
        kf.set_kpi_targets(session, users["dept_head"], "2026-03", [
            {"indicator": "smiles", "scope": "user", "key": "senior_manager", "value": 1},
            {"indicator": "visits_done", "scope": "team", "key": "x", "value": 1},
            {"indicator": "visits_done", "scope": "user", "key": "ghost", "value": 1},
            {"indicator": "approval_rate", "scope": "department", "key": "", "value": 1.5},
            {"indicator": "visits_done", "scope": "department", "key": "", "value": -1},
            {"indicator": "visits_done", "scope": "department", "key": "sm", "value": 1},
            {"indicator": "visits_done", "scope": "role", "key": "dept_head", "value": True},
            "not an object"])
    assert set(caught.value.details) == {
        "targets/0/indicator", "targets/1/scope", "targets/2/key", "targets/3/value",
        "targets/4/value", "targets/5/key", "targets/6/value", "targets/7"}
    with pytest.raises(InvalidData):
        kf.set_kpi_targets(session, users["dept_head"], "2026-13", [])
    with pytest.raises(InvalidData) as twice:
        kf.set_kpi_targets(session, users["dept_head"], "2026-03", [
            {"indicator": "visits_done", "scope": "department", "value": 1},
            {"indicator": "visits_done", "scope": "department", "key": "", "value": 2}])
    assert "targets/1" in twice.value.details
