"""Process 2, key account visit: each method, the customer's confirmation and its timeout,
the approvals, the wait for the visit date, and the closing work in parallel."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from engine.errors import InvalidData

KEY = "key_account_visit"
TO_CONFIRMATION = ("topic_meeting", "map_buying_centre", "first_contact")
TO_APPROVAL = ("confirm_appointment", "pre_visit_meeting", "prepare_visit")


def started(flow, **kwargs):
    kwargs.setdefault("customer_name", "中铁十局")
    return flow.start(KEY, **kwargs)


def to_head_approval(flow):
    instance = started(flow)
    flow.run(instance, *TO_CONFIRMATION, *TO_APPROVAL)
    assert flow.open_ids(instance) == ["head_approve_plan"]
    return instance


def test_start_names_the_customer_for_the_topic_meeting(flow):
    instance = started(flow)
    meeting = flow.task(instance, "topic_meeting")
    assert meeting.role == "dept_head" and meeting.customer_name == "中铁十局"
    assert flow.variables(instance)["customer_name"] == "中铁十局"  # the form is pre-filled


def test_visit_from_start_to_rating(flow, users, clock):
    instance = started(flow)
    flow.run(instance, *TO_CONFIRMATION)
    confirm = flow.task(instance, "confirm_appointment")
    assert confirm.role == "customer" and confirm.assignee_id is None
    flow.run(instance, *TO_APPROVAL)
    assert flow.variables(instance)["travel_budget"] == 2800.0
    flow.complete(instance, "head_approve_plan")
    assert flow.variables(instance)["director_required"] is False
    flow.complete(instance, "finance_approve_advance")
    assert flow.open_ids(instance) == []  # waiting for the visit date
    instance_row = flow.session.get(type(instance), instance.id)
    assert instance_row.next_wakeup_at == datetime(2026, 3, 20, 1, 0, tzinfo=UTC)  # 09:00 +08
    assert flow.advance(days=17, hours=23, minutes=59) == 0
    assert flow.advance(minutes=1) == 1
    report = flow.task(instance, "visit_report")
    assert report.assignee_id == users["senior_manager"].id  # the account owner's task
    flow.complete(instance, "visit_report")
    assert flow.open_ids(instance) == ["rate_visit", "settle_expenses"]  # in parallel
    flow.complete(instance, "settle_expenses")
    assert flow.status(instance) == "running"
    flow.complete(instance, "rate_visit")
    assert flow.status(instance) == "completed"
    assert flow.variables(instance)["budget_variance"] == -299.5


@pytest.mark.parametrize("method,task", [("presentation", "send_invitation"),
                                         ("materials", "send_materials")])
def test_presentation_or_materials_then_a_visit(flow, method, task):
    instance = started(flow)
    flow.complete(instance, "topic_meeting", method=method)
    assert flow.open_ids(instance) == [task]
    flow.complete(instance, task)
    assert flow.open_ids(instance) == ["map_buying_centre"]


@pytest.mark.parametrize("method,task", [("presentation", "send_invitation"),
                                         ("materials", "send_materials")])
def test_presentation_or_materials_without_a_visit(flow, method, task):
    instance = started(flow)
    flow.complete(instance, "topic_meeting", method=method)
    flow.complete(instance, task, outreach_next="later")
    assert flow.status(instance) == "completed"


def test_buying_centre_needs_a_decider_and_known_roles(flow):
    instance = started(flow)
    flow.complete(instance, "topic_meeting")
    with pytest.raises(InvalidData):
        flow.complete(instance, "map_buying_centre", members=[{"name": "张工", "role": "user"}])
    with pytest.raises(InvalidData):
        flow.complete(instance, "map_buying_centre",
                      members=[{"name": "李总", "role": "decider"}, {"name": "x", "role": "boss"}])
    six = [{"name": f"p{i}", "role": role} for i, role in enumerate(
        ["initiator", "user", "influencer", "decider", "buyer", "gatekeeper"])]
    flow.complete(instance, "map_buying_centre", members=six)
    assert flow.variables(instance)["members"] == six


def test_first_contact_declined_ends_the_visit(flow):
    instance = started(flow)
    flow.run(instance, "topic_meeting", "map_buying_centre")
    flow.complete(instance, "first_contact", contact_outcome="declined", visit_date=None,
                  customer_email=None)
    assert flow.status(instance) == "completed"


def test_first_contact_with_a_past_visit_date_returns(flow):
    instance = started(flow)
    flow.run(instance, "topic_meeting", "map_buying_centre")
    flow.complete(instance, "first_contact", contact_date="2026-03-01", visit_date="2026-02-27")
    assert flow.open_ids(instance) == ["first_contact"]
    fields = [e["field"] for e in flow.variables(instance)["form_errors"]]
    assert fields == ["visit_date", "visit_date"]  # before the contact, and in the past
    with pytest.raises(InvalidData):  # a proposed date is required when proposing
        flow.complete(instance, "first_contact", visit_date=None)
    flow.complete(instance, "first_contact")
    assert flow.open_ids(instance) == ["confirm_appointment"]


def test_customer_declines(flow):
    instance = started(flow)
    flow.run(instance, *TO_CONFIRMATION)
    flow.complete(instance, "confirm_appointment", appointment_answer="decline")
    assert flow.status(instance) == "completed"


def test_customer_proposes_another_date_and_confirms_a_new_link(flow):
    instance = started(flow)
    flow.run(instance, *TO_CONFIRMATION)
    with pytest.raises(InvalidData):  # another date needs the date
        flow.complete(instance, "confirm_appointment", appointment_answer="reschedule")
    flow.complete(instance, "confirm_appointment", appointment_answer="reschedule",
                  alternative_date="2026-03-25")
    assert flow.open_ids(instance) == ["follow_up_appointment"]
    flow.complete(instance, "follow_up_appointment", follow_up_result="resend",
                  visit_date="2026-03-25")
    assert flow.open_ids(instance) == ["confirm_appointment"]
    flow.complete(instance, "confirm_appointment")
    assert flow.open_ids(instance) == ["pre_visit_meeting"]
    assert flow.variables(instance)["visit_date"] == "2026-03-25"


def test_no_answer_in_three_days_gives_the_manager_a_follow_up(flow, users):
    instance = started(flow)
    flow.run(instance, *TO_CONFIRMATION)
    assert flow.advance(days=2) == 0
    assert flow.advance(days=1) == 1
    follow_up = flow.task(instance, "follow_up_appointment")
    assert follow_up.assignee_id == users["senior_manager"].id
    assert flow.open_ids(instance) == ["follow_up_appointment"]  # the link's task is gone
    with pytest.raises(InvalidData):
        flow.complete(instance, "follow_up_appointment", visit_date=None)
    flow.complete(instance, "follow_up_appointment", visit_date="2026-03-01")  # in the past
    assert flow.open_ids(instance) == ["follow_up_appointment"]
    flow.complete(instance, "follow_up_appointment")
    assert flow.open_ids(instance) == ["pre_visit_meeting"]


def test_follow_up_declined(flow):
    instance = started(flow)
    flow.run(instance, *TO_CONFIRMATION)
    flow.advance(days=3)
    flow.complete(instance, "follow_up_appointment", follow_up_result="declined", visit_date=None)
    assert flow.status(instance) == "completed"


@pytest.mark.parametrize("changes,field", [
    ({"travel_start_date": "2026-03-21"}, "travel_start_date"),
    ({"travel_end_date": "2026-03-19"}, "travel_end_date"),
    ({"advance_requested": 5000}, "advance_requested"),
    ({"visit_date": "2026-03-01", "travel_start_date": "2026-03-01",
      "travel_end_date": "2026-03-01"}, "visit_date"),
])
def test_inconsistent_plan_returns_to_preparation(flow, changes, field):
    instance = started(flow)
    flow.run(instance, *TO_CONFIRMATION, "confirm_appointment", "pre_visit_meeting")
    flow.complete(instance, "prepare_visit", **changes)
    assert flow.open_ids(instance) == ["prepare_visit"]
    assert [e["field"] for e in flow.variables(instance)["form_errors"]] == [field]
    flow.complete(instance, "prepare_visit")
    assert flow.open_ids(instance) == ["head_approve_plan"]


def test_head_returns_then_rejects(flow):
    instance = to_head_approval(flow)
    flow.complete(instance, "head_approve_plan", head_decision="return", head_comment="预算过高")
    assert flow.open_ids(instance) == ["prepare_visit"]
    flow.complete(instance, "prepare_visit", gift_cost=0)
    flow.complete(instance, "head_approve_plan", head_decision="reject", head_comment="暂缓")
    assert flow.status(instance) == "completed"


def to_director(flow):
    instance = started(flow)
    flow.run(instance, *TO_CONFIRMATION, "confirm_appointment", "pre_visit_meeting")
    flow.complete(instance, "prepare_visit", accommodation_cost=3001)  # 5001 in all
    flow.complete(instance, "head_approve_plan")
    assert flow.variables(instance)["director_required"] is True
    assert flow.open_ids(instance) == ["director_approve_plan"]
    return instance


def test_budget_above_threshold_needs_the_director(flow):
    instance = to_director(flow)
    flow.complete(instance, "director_approve_plan")
    assert flow.open_ids(instance) == ["finance_approve_advance"]


def test_budget_of_exactly_the_threshold_needs_no_director(flow):
    instance = started(flow)
    flow.run(instance, *TO_CONFIRMATION, "confirm_appointment", "pre_visit_meeting")
    flow.complete(instance, "prepare_visit", accommodation_cost=3000)  # 5000 in all
    flow.complete(instance, "head_approve_plan")
    assert flow.open_ids(instance) == ["finance_approve_advance"]


def test_director_returns_then_rejects(flow):
    instance = to_director(flow)
    flow.complete(instance, "director_approve_plan", director_decision="return",
                  director_comment="压缩预算")
    assert flow.open_ids(instance) == ["prepare_visit"]
    flow.complete(instance, "prepare_visit", accommodation_cost=3001)
    flow.complete(instance, "head_approve_plan")
    flow.complete(instance, "director_approve_plan", director_decision="reject",
                  director_comment="不批")
    assert flow.status(instance) == "completed"


def test_finance_returns_then_rejects(flow):
    instance = to_head_approval(flow)
    flow.complete(instance, "head_approve_plan")
    with pytest.raises(InvalidData):  # approving names the advance approved
        flow.complete(instance, "finance_approve_advance", approved_advance=None)
    flow.complete(instance, "finance_approve_advance", finance_decision="return",
                  finance_comment="借款过多", approved_advance=None)
    assert flow.open_ids(instance) == ["prepare_visit"]
    flow.run(instance, "prepare_visit", "head_approve_plan")
    flow.complete(instance, "finance_approve_advance", finance_decision="reject",
                  finance_comment="不批", approved_advance=None)
    assert flow.status(instance) == "completed"


def test_visit_for_a_strategic_key_account_reads_the_register(flow, session):
    from engine.models import Customer

    session.add(Customer(name="中铁十局", status="key_account", classes=["strategic"],
                         filed_at=flow.clock.now(), updated_at=flow.clock.now()))
    session.commit()
    instance = started(flow)
    flow.complete(instance, "topic_meeting")
    record = flow.variables(instance)["customer_record"]
    assert record["is_key_account"] is True and record["classes"] == ["strategic"]
