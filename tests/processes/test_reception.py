"""Process 3, customer reception: registration checks, approvals by level, strategic customer
and budget, the customer's confirmation and its timeout, the wait, summary and settlement."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from engine.errors import InvalidData
from engine.models import Customer, ProcessInstance

KEY = "customer_reception"


def to_head(flow, **changes):
    instance = flow.start(KEY)
    flow.complete(instance, "register_reception", **changes)
    assert flow.open_ids(instance) == ["head_approve_reception"]
    return instance


def to_confirmation(flow):
    instance = to_head(flow)
    flow.run(instance, "head_approve_reception", "finance_approve_budget")
    assert flow.open_ids(instance) == ["confirm_arrival"]
    return instance


def test_reception_from_request_to_settlement(flow, users, session):
    instance = to_head(flow)
    session.refresh(instance)
    assert instance.customer_name == "中铁十局"
    assert flow.variables(instance)["reception_budget"] == 3300.0
    flow.complete(instance, "head_approve_reception")
    assert flow.variables(instance)["director_required"] is False
    flow.complete(instance, "finance_approve_budget")
    flow.complete(instance, "confirm_arrival")
    assert flow.open_ids(instance) == []
    row = session.get(ProcessInstance, instance.id)
    assert row.next_wakeup_at == datetime(2026, 3, 16, 1, 0, tzinfo=UTC)
    assert flow.advance(days=13, hours=23) == 0
    assert flow.advance(hours=1) == 1
    summary = flow.task(instance, "reception_summary")
    assert summary.assignee_id == users["senior_manager"].id
    flow.run(instance, "reception_summary", "settle_reception")
    assert flow.status(instance) == "completed"
    assert flow.variables(instance)["budget_variance"] == -300.0


@pytest.mark.parametrize("changes,fields", [
    ({"reception_date": "2026-03-01", "departure_date": "2026-03-01"}, ["reception_date"]),
    ({"departure_date": "2026-03-15"}, ["departure_date"]),
])
def test_registration_with_dates_out_of_order_returns(flow, changes, fields):
    instance = flow.start(KEY)
    flow.complete(instance, "register_reception", **changes)
    assert flow.open_ids(instance) == ["register_reception"]
    assert [e["field"] for e in flow.variables(instance)["form_errors"]] == fields
    flow.complete(instance, "register_reception")
    assert flow.open_ids(instance) == ["head_approve_reception"]


def test_registration_needs_guests_and_sane_costs(flow):
    instance = flow.start(KEY)
    with pytest.raises(InvalidData):
        flow.complete(instance, "register_reception", guests=[])
    with pytest.raises(InvalidData):
        flow.complete(instance, "register_reception", meal_cost=-1)
    with pytest.raises(InvalidData):
        flow.complete(instance, "register_reception", reception_level="royal")


def test_head_returns_then_rejects(flow):
    instance = to_head(flow)
    flow.complete(instance, "head_approve_reception", head_decision="return",
                  head_comment="改为一般接待")
    assert flow.open_ids(instance) == ["register_reception"]
    flow.complete(instance, "register_reception")
    flow.complete(instance, "head_approve_reception", head_decision="reject", head_comment="否")
    assert flow.status(instance) == "completed"


@pytest.mark.parametrize("changes", [
    {"reception_level": "executive"},
    {"meal_cost": 8201},  # 10001 in all
], ids=["executive_level", "budget_above_threshold"])
def test_director_approves_by_level_or_budget(flow, changes):
    instance = to_head(flow, **changes)
    flow.complete(instance, "head_approve_reception")
    assert flow.open_ids(instance) == ["director_approve_reception"]
    flow.complete(instance, "director_approve_reception")
    assert flow.open_ids(instance) == ["finance_approve_budget"]


def test_budget_of_exactly_the_threshold_needs_no_director(flow):
    instance = to_head(flow, meal_cost=8200)  # 10000 in all
    flow.complete(instance, "head_approve_reception")
    assert flow.open_ids(instance) == ["finance_approve_budget"]


def test_strategic_customer_needs_the_director(flow, session):
    session.add(Customer(name="中铁十局", status="key_account", classes=["group", "strategic"],
                         filed_at=flow.clock.now(), updated_at=flow.clock.now()))
    session.commit()
    instance = to_head(flow)
    flow.complete(instance, "head_approve_reception")
    data = flow.variables(instance)
    assert data["director_required"] is True and "战略" in data["approval_reason"]
    assert flow.open_ids(instance) == ["director_approve_reception"]


def test_director_returns_then_rejects(flow):
    instance = to_head(flow, reception_level="executive")
    flow.complete(instance, "head_approve_reception")
    flow.complete(instance, "director_approve_reception", director_decision="return",
                  director_comment="调整日程")
    assert flow.open_ids(instance) == ["register_reception"]
    flow.complete(instance, "register_reception", reception_level="executive")
    flow.complete(instance, "head_approve_reception")
    flow.complete(instance, "director_approve_reception", director_decision="reject",
                  director_comment="不接待")
    assert flow.status(instance) == "completed"


def test_finance_returns_then_rejects(flow):
    instance = to_head(flow)
    flow.complete(instance, "head_approve_reception")
    flow.complete(instance, "finance_approve_budget", finance_decision="return",
                  finance_comment="超标", approved_budget=None)
    assert flow.open_ids(instance) == ["register_reception"]
    flow.run(instance, "register_reception", "head_approve_reception")
    flow.complete(instance, "finance_approve_budget", finance_decision="reject",
                  finance_comment="不批", approved_budget=None)
    assert flow.status(instance) == "completed"


def test_customer_cancels(flow):
    instance = to_confirmation(flow)
    flow.complete(instance, "confirm_arrival", arrival_answer="cancel")
    assert flow.status(instance) == "completed"


def test_customer_reschedules_and_confirms_a_new_link(flow):
    instance = to_confirmation(flow)
    flow.complete(instance, "confirm_arrival", arrival_answer="reschedule",
                  alternative_date="2026-03-23")
    assert flow.open_ids(instance) == ["follow_up_arrival"]
    flow.complete(instance, "follow_up_arrival", follow_up_result="resend",
                  reception_date="2026-03-23", departure_date="2026-03-22")
    assert flow.open_ids(instance) == ["follow_up_arrival"]  # departure before arrival
    flow.complete(instance, "follow_up_arrival", follow_up_result="resend",
                  reception_date="2026-03-23", departure_date="2026-03-24")
    flow.complete(instance, "confirm_arrival")
    row = flow.session.get(ProcessInstance, instance.id)
    flow.session.refresh(row)
    assert row.next_wakeup_at == datetime(2026, 3, 23, 1, 0, tzinfo=UTC)


def test_no_answer_in_three_days_gives_the_manager_a_follow_up(flow):
    instance = to_confirmation(flow)
    assert flow.advance(days=2, hours=23) == 0
    assert flow.advance(hours=1) == 1
    assert flow.open_ids(instance) == ["follow_up_arrival"]
    flow.complete(instance, "follow_up_arrival")  # confirmed on the phone
    assert flow.open_ids(instance) == []
    flow.advance(days=12)
    assert flow.open_ids(instance) == ["reception_summary"]


def test_follow_up_cancelled(flow):
    instance = to_confirmation(flow)
    flow.advance(days=3)
    flow.complete(instance, "follow_up_arrival", follow_up_result="cancelled",
                  reception_date=None, departure_date=None)
    assert flow.status(instance) == "completed"
