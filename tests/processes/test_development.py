"""Process 1, key account development: every branch, loop, rejection, timer and the filing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from engine.errors import InvalidData
from engine.models import AuditEvent, Customer, HumanTask, Notification

KEY = "key_account_development"
TO_APPLICATION = ("register_prospect", "collect_basic_info", "analyse_usage", "deeper_analysis",
                  "forecast")


def to_application(flow, **start):
    """A new (not existing) customer driven up to its development application."""
    instance = flow.start(KEY, **start)
    flow.run(instance, *TO_APPLICATION)
    assert flow.open_ids(instance) == ["development_application"]
    return instance


def customers(flow):
    return list(flow.session.scalars(select(Customer).order_by(Customer.id)))


def test_happy_path_files_the_key_account(flow, users, clock):
    instance = to_application(flow)
    flow.run(instance, "development_application", "head_review")
    assert flow.open_ids(instance) == ["file_account"]
    flow.complete(instance, "file_account", filing_notes="首单")
    assert flow.status(instance) == "completed"
    data = flow.variables(instance)
    assert data["expected_net_value"] == 75000.0  # 150000 * 0.8 - 45000
    assert data["director_required"] is False
    [customer] = customers(flow)
    assert data["customer_id"] == customer.id
    assert (customer.name, customer.status, customer.industry) == ("中铁十局", "key_account",
                                                                    "road_bridge")
    assert customer.owner_id == users["senior_manager"].id
    assert customer.filed_by_id == users["clerk"].id
    assert customer.instance_id == instance.id and customer.filed_at == clock.now()
    assert customer.cumulative_volume == Decimal("1200.00")
    assert customer.largest_single_volume == Decimal("800.00")
    assert (customer.credit, customer.classes, customer.is_group, customer.is_strategic) == (
        "good", [], False, False)
    assert (customer.key_contact_name, customer.key_contact_phone) == ("王工", "138 0000 0000")
    assert customer.key_contact_birthday.isoformat() == "1980-05-17"
    assert (customer.account_number, customer.notes) == ("KA-2026-001", "首单")
    assert customer.source_channel == "referral"


def test_registration_names_the_instance_and_its_tasks(flow, session):
    instance = flow.start(KEY)
    assert instance.customer_name is None
    flow.complete(instance, "register_prospect", customer_name="  中铁隧道局 ")
    session.refresh(instance)
    assert instance.customer_name == "中铁隧道局"
    rows = session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id)).all()
    assert {r.customer_name for r in rows} == {"中铁隧道局"}  # the done one too
    assert flow.variables(instance)["customer_record"]["customer_id"] is None


def test_volumes_out_of_order_return_the_form(flow):
    instance = flow.start(KEY)
    flow.complete(instance, "register_prospect")
    flow.complete(instance, "collect_basic_info", cumulative_volume=500, largest_single_volume=800)
    assert flow.open_ids(instance) == ["collect_basic_info"]
    errors = flow.variables(instance)["form_errors"]
    assert [e["field"] for e in errors] == ["largest_single_volume"]
    flow.complete(instance, "collect_basic_info", cumulative_volume=800, largest_single_volume=800)
    assert flow.open_ids(instance) == ["analyse_usage"]
    assert flow.variables(instance)["form_errors"] == []


def test_negative_volume_is_refused_by_the_form(flow):
    instance = flow.start(KEY)
    flow.complete(instance, "register_prospect")
    with pytest.raises(InvalidData) as caught:
        flow.complete(instance, "collect_basic_info", cumulative_volume=-1)
    assert "cumulative_volume" in caught.value.details


def test_existing_customer_audit_runs_in_parallel_and_reclassifies(flow):
    instance = flow.start(KEY)
    flow.complete(instance, "register_prospect", existing_customer=True)
    flow.complete(instance, "collect_basic_info", cumulative_volume=6000,
                  largest_single_volume=2000)
    flow.complete(instance, "analyse_usage")
    assert flow.open_ids(instance) == ["credit_audit", "deeper_analysis"]
    assert flow.variables(instance)["customer_classes"] == ["quality"]
    audit = flow.task(instance, "credit_audit")
    assert audit.role == "clerk" and audit.assignee_id is None
    flow.complete(instance, "credit_audit", audited_credit="fair")
    assert flow.open_ids(instance) == ["deeper_analysis"]  # the join waits for both
    flow.complete(instance, "deeper_analysis")
    data = flow.variables(instance)
    assert data["credit"] == "fair"
    assert data["customer_classes"] == ["potential"]  # 6000 方 but credit only fair
    assert flow.open_ids(instance) == ["forecast"]


def test_existing_customer_with_confirmed_credit_keeps_its_classes(flow):
    instance = flow.start(KEY)
    flow.complete(instance, "register_prospect", existing_customer=True)
    flow.complete(instance, "collect_basic_info", cumulative_volume=6000,
                  largest_single_volume=6000)
    flow.complete(instance, "analyse_usage", group_ties=True)
    flow.complete(instance, "deeper_analysis")
    assert flow.open_ids(instance) == ["credit_audit"]  # either branch may finish first
    flow.complete(instance, "credit_audit")
    data = flow.variables(instance)
    assert data["customer_classes"] == ["quality", "high_value", "group"]
    assert flow.open_ids(instance) == ["forecast"]


def test_not_worth_developing_goes_to_the_potential_pool(flow, users, session):
    instance = flow.start(KEY)
    flow.run(instance, *TO_APPLICATION[:-1])
    flow.complete(instance, "forecast", forecast_profit=40000)  # 32000 - 45000 < 0
    assert flow.status(instance) == "completed"
    data = flow.variables(instance)
    assert data["expected_net_value"] == -13000.0 and data["worth_developing"] is False
    [customer] = customers(flow)
    assert customer.status == "potential" and customer.account_number is None
    assert customer.owner_id == users["senior_manager"].id
    notes = session.scalars(select(Notification).where(Notification.kind == "process_notice")
                            .order_by(Notification.recipient_id)).all()
    assert [n.recipient_id for n in notes] == [users["dept_head"].id, users["head2"].id]
    assert "中铁十局" in notes[0].subject and "潜在客户池" in notes[0].subject
    assert notes[1].subject.startswith("Moved to the potential pool")  # head2 reads English
    assert data["head_notified"] == 2


def test_strategic_customer_is_developed_even_at_a_loss(flow):
    instance = flow.start(KEY)
    flow.run(instance, "register_prospect", "collect_basic_info")
    flow.complete(instance, "analyse_usage", strategic_growth=True)
    flow.complete(instance, "deeper_analysis")
    flow.complete(instance, "forecast", forecast_profit=0)
    data = flow.variables(instance)
    assert data["expected_net_value"] < 0 and data["worth_developing"] is True
    assert flow.open_ids(instance) == ["development_application"]


def test_head_returns_then_approves(flow):
    instance = to_application(flow)
    flow.complete(instance, "development_application")
    with pytest.raises(InvalidData):  # returning needs a comment
        flow.complete(instance, "head_review", head_decision="return")
    flow.complete(instance, "head_review", head_decision="return", head_comment="补充成本")
    assert flow.open_ids(instance) == ["development_application"]
    flow.complete(instance, "development_application", revision_note="已补充")
    flow.complete(instance, "head_review")
    assert flow.open_ids(instance) == ["file_account"]


def test_head_rejects(flow):
    instance = to_application(flow)
    flow.complete(instance, "development_application")
    flow.complete(instance, "head_review", head_decision="reject", head_comment="不符合条件")
    assert flow.status(instance) == "completed"
    assert customers(flow) == []


@pytest.mark.parametrize("changes", [
    {"collect_basic_info": {"cumulative_volume": 6000, "largest_single_volume": 5500}},
    {"analyse_usage": {"strategic_contested": True}},
    {"forecast": {"forecast_sales": 1000001}},
], ids=["high_value", "strategic", "sales_above_threshold"])
def test_director_approves_when_the_decision_table_says_so(flow, changes):
    instance = flow.start(KEY)
    for bpmn_id in TO_APPLICATION:
        flow.complete(instance, bpmn_id, **changes.get(bpmn_id, {}))
    flow.run(instance, "development_application", "head_review")
    assert flow.variables(instance)["director_required"] is True
    assert flow.open_ids(instance) == ["director_approval"]
    flow.complete(instance, "director_approval")
    assert flow.open_ids(instance) == ["file_account"]


def test_sales_of_exactly_the_threshold_need_no_director(flow):
    instance = flow.start(KEY)
    flow.run(instance, *TO_APPLICATION[:-1])
    flow.complete(instance, "forecast", forecast_sales=1000000)
    flow.run(instance, "development_application", "head_review")
    assert flow.open_ids(instance) == ["file_account"]


def to_director(flow):
    instance = flow.start(KEY)
    flow.run(instance, *TO_APPLICATION[:-1])
    flow.complete(instance, "forecast", forecast_sales=2000000)
    flow.run(instance, "development_application", "head_review")
    assert flow.open_ids(instance) == ["director_approval"]
    return instance


def test_director_returns_to_the_application_and_both_review_again(flow):
    instance = to_director(flow)
    flow.complete(instance, "director_approval", director_decision="return",
                  director_comment="细化计划")
    assert flow.open_ids(instance) == ["development_application"]
    flow.run(instance, "development_application", "head_review", "director_approval",
             "file_account")
    assert flow.status(instance) == "completed"
    assert customers(flow)[0].status == "key_account"


def test_director_rejects(flow):
    instance = to_director(flow)
    flow.complete(instance, "director_approval", director_decision="reject",
                  director_comment="风险过高")
    assert flow.status(instance) == "completed" and customers(flow) == []


def test_review_open_three_days_escalates_to_the_director(flow, users):
    instance = to_application(flow)
    flow.complete(instance, "development_application")
    assert flow.advance(days=2, hours=23) == 0
    assert flow.open_ids(instance) == ["head_review"]
    assert flow.advance(hours=1) == 1
    assert flow.open_ids(instance) == ["escalation_follow_up", "head_review"]  # review stays
    escalation = flow.task(instance, "escalation_follow_up")
    assert escalation.role == "marketing_director"
    flow.run(instance, "escalation_follow_up", "head_review", "file_account")
    assert flow.status(instance) == "completed"


def test_each_review_round_gets_its_own_escalation_timer(flow):
    instance = to_application(flow)
    flow.complete(instance, "development_application")
    flow.advance(days=2)
    flow.complete(instance, "head_review", head_decision="return", head_comment="再改")
    flow.complete(instance, "development_application")
    assert flow.advance(days=2) == 0  # 4 days since the first round, 2 since this one
    assert flow.advance(days=1) == 1
    assert "escalation_follow_up" in flow.open_ids(instance)


def test_refiling_a_customer_updates_its_record(flow, session):
    first = to_application(flow)
    flow.run(first, "development_application", "head_review", "file_account")
    second = flow.start(KEY)
    flow.complete(second, "register_prospect", key_contact_name="赵总")
    assert flow.variables(second)["customer_record"]["is_key_account"] is True
    flow.run(second, *TO_APPLICATION[1:-1])
    flow.complete(second, "forecast", forecast_profit=0)  # judged not worth it this time
    [customer] = customers(flow)
    assert customer.status == "key_account"  # a key account is not demoted to the pool
    third = to_application(flow)
    flow.run(third, "development_application", "head_review")
    flow.complete(third, "file_account", account_number="KA-2026-009")
    [customer] = customers(flow)
    session.refresh(customer)
    assert (customer.account_number, customer.instance_id) == ("KA-2026-009", third.id)
    filed = session.scalar(select(func.count()).select_from(AuditEvent)
                           .where(AuditEvent.action == "customer_filed"))
    assert filed == 2


def test_a_pooled_customer_later_becomes_a_key_account(flow, clock):
    first = flow.start(KEY)
    flow.run(first, *TO_APPLICATION[:-1])
    flow.complete(first, "forecast", forecast_profit=0)
    pooled_at = customers(flow)[0].filed_at
    clock.advance(days=30)
    second = to_application(flow)
    flow.run(second, "development_application", "head_review", "file_account")
    [customer] = customers(flow)
    assert customer.status == "key_account" and customer.filed_at > pooled_at
