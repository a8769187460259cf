"""Fixtures for driving the department's real processes (the `processes/` bundle).

`flow` deploys `processes/` and gives a `Flow`: start an instance, complete its tasks as the
user of the task's role with valid form data (SUBMISSIONS, overridable per call), move the
clock and fire timers. Every command commits, so each step also restores from the database.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.accounts import create_user
from engine.clock import MovableClock
from engine.deployment import Bundle, SpecCache
from engine.models import OPEN_TASK_STATES, HumanTask, ProcessInstance, User
from engine.queries import instance_data
from engine.roles import ALL_ROLES
from engine.workflow_engine import WorkflowEngine

PROCESSES = Path(__file__).parents[2] / "processes"
SPECS = SpecCache()  # parse the real bundle once per test run, not once per test

# Valid data for every user task, by BPMN id (the clock starts on 2026-03-02, 09:00 in China).
SUBMISSIONS: dict[str, dict[str, Any]] = {
    # key_account_development
    "register_prospect": {"customer_name": "中铁十局", "industry": "road_bridge",
                          "source_channel": "referral", "existing_customer": False,
                          "key_contact_name": "王工", "key_contact_phone": "138 0000 0000"},
    "collect_basic_info": {"customer_profile": "路桥施工总承包", "cumulative_volume": 1200,
                           "largest_single_volume": 800, "credit": "good",
                           "referral_closed": False},
    "analyse_usage": {"sporadic_purchase_process": "项目部直接采购",
                      "bulk_purchase_process": "集团招标", "group_ties": False,
                      "strategic_example": False, "strategic_contested": False,
                      "strategic_growth": False},
    "credit_audit": {"transaction_count": 4, "transaction_amount": 900000, "overdue_amount": 0,
                     "audited_credit": "good"},
    "deeper_analysis": {"direct_needs": "新项目营地 2000 方", "purchasing_power": "strong",
                        "pays_on_time": "mostly", "key_contact_birthday": "1980-05-17"},
    "forecast": {"forecast_volume": 2000, "forecast_sales": 600000, "forecast_profit": 150000,
                 "management_cost": 20000, "travel_cost": 10000, "development_cost": 15000,
                 "risk_coefficient": 0.2},
    "development_application": {"plan_summary": "三个月内签约", "advantage_alliance": "战略合作",
                                "advantage_one_stop": "设计到售后一站式",
                                "advantage_work_efficiency": "简化采购",
                                "advantage_usage_efficiency": "就近调配",
                                "advantage_cost": "租售结合", "target_volume": 2000},
    "head_review": {"head_decision": "approve"},
    "director_approval": {"director_decision": "approve"},
    "escalation_follow_up": {"escalation_action": "urged_head"},
    "file_account": {"account_number": "KA-2026-001"},
    # key_account_visit
    "topic_meeting": {"customer_name": "中铁十局", "meeting_date": "2026-03-02",
                      "attendees": ["部长", "经理"], "method": "visit"},
    "send_invitation": {"presentation_date": "2026-03-10", "invitation_sent_date": "2026-03-03",
                        "invitation_response": "accepted", "outreach_next": "visit"},
    "send_materials": {"materials_sent": ["brochure"], "sent_date": "2026-03-03",
                       "materials_response": "interested", "outreach_next": "visit"},
    "map_buying_centre": {"members": [{"name": "李总", "role": "decider"},
                                      {"name": "张工", "role": "influencer"}],
                          "focus_notes": "李总拍板，张工影响技术选型"},
    "first_contact": {"contact_method": "phone", "contact_date": "2026-03-02",
                      "contact_person": "李总", "contact_outcome": "proposed",
                      "visit_date": "2026-03-20", "customer_email": "li@customer.test"},
    "confirm_appointment": {"appointment_answer": "confirm"},
    "follow_up_appointment": {"follow_up_result": "confirmed", "visit_date": "2026-03-20"},
    "pre_visit_meeting": {"meeting_date": "2026-03-05", "attendees": ["部长", "经理"],
                          "suggestions": "带上案例"},
    "prepare_visit": {"visit_date": "2026-03-20", "customer_judgement": "high",
                      "visit_objectives": "确定年度框架协议", "travellers": ["经理"],
                      "travel_start_date": "2026-03-19", "travel_end_date": "2026-03-21",
                      "transport_cost": 1200, "accommodation_cost": 800, "meal_cost": 300,
                      "gift_cost": 500, "other_cost": 0, "advance_requested": 2000},
    "head_approve_plan": {"head_decision": "approve"},
    "director_approve_plan": {"director_decision": "approve"},
    "finance_approve_advance": {"finance_decision": "approve", "approved_advance": 2000},
    "visit_report": {"visit_held_date": "2026-03-20", "visit_outcome": "success",
                     "next_steps": "报价", "opportunity_volume": 3000, "report": "顺利"},
    "settle_expenses": {"actual_cost": 2500.5, "settled_date": "2026-03-25"},
    "rate_visit": {"rating": 4},
    # customer_reception
    "register_reception": {"customer_name": "中铁十局", "request_channel": "phone",
                           "customer_email": "li@customer.test", "reception_date": "2026-03-16",
                           "departure_date": "2026-03-17",
                           "guests": [{"name": "李总", "is_decision_maker": True}],
                           "purpose": "company_visit", "reception_level": "standard",
                           "accommodation_cost": 1000, "meal_cost": 1500,
                           "transport_cost": 300, "gift_cost": 500, "other_cost": 0},
    "head_approve_reception": {"head_decision": "approve"},
    "director_approve_reception": {"director_decision": "approve"},
    "finance_approve_budget": {"finance_decision": "approve", "approved_budget": 3300},
    "confirm_arrival": {"arrival_answer": "confirm"},
    "follow_up_arrival": {"follow_up_result": "confirmed", "reception_date": "2026-03-16",
                          "departure_date": "2026-03-17"},
    "reception_summary": {"guests_received": 1, "reception_outcome": "success",
                          "summary": "参观了生产基地"},
    "settle_reception": {"actual_cost": 3000, "settled_date": "2026-03-18"},
}


class Flow:
    """Drives instances of the real processes as the right users, one committed command each."""

    def __init__(self, session: Session, kf: WorkflowEngine, users: dict[str, User],
                 clock: MovableClock) -> None:
        self.session, self.kf, self.users, self.clock = session, kf, users, clock

    def start(self, key: str, user: str = "senior_manager", **kwargs: Any) -> ProcessInstance:
        """Start process `key` as the user named `user`."""
        instance = self.kf.start_instance(self.session, key, self.users[user], **kwargs)
        self.session.commit()
        return instance

    def open_tasks(self, instance: ProcessInstance) -> list[HumanTask]:
        """The instance's open task rows, oldest first."""
        return list(self.session.scalars(
            select(HumanTask).where(HumanTask.instance_id == instance.id,
                                    HumanTask.state.in_(OPEN_TASK_STATES))
            .order_by(HumanTask.id).execution_options(populate_existing=True)))

    def open_ids(self, instance: ProcessInstance) -> list[str]:
        """BPMN ids of the open tasks, sorted."""
        return sorted(t.bpmn_id for t in self.open_tasks(instance))

    def task(self, instance: ProcessInstance, bpmn_id: str) -> HumanTask:
        """The one open task `bpmn_id` of the instance."""
        found = [t for t in self.open_tasks(instance) if t.bpmn_id == bpmn_id]
        assert len(found) == 1, (bpmn_id, self.open_ids(instance), self.status(instance))
        return found[0]

    def complete(self, instance: ProcessInstance, bpmn_id: str, data: dict[str, Any] | None = None,
                 *, user: str | None = None, **changes: Any) -> HumanTask:
        """Complete task `bpmn_id` with its standard data (or `data`), changed by `changes`."""
        task = self.task(instance, bpmn_id)
        submitted = {**(SUBMISSIONS[bpmn_id] if data is None else data), **changes}
        submitted = {k: v for k, v in submitted.items() if v is not None}
        done = self.kf.complete_task(self.session, task.id, self.users[user or task.role],
                                     submitted)
        self.session.commit()
        return done

    def run(self, instance: ProcessInstance, *bpmn_ids: str) -> None:
        """Complete each task in turn with its standard data."""
        for bpmn_id in bpmn_ids:
            self.complete(instance, bpmn_id)

    def variables(self, instance: ProcessInstance) -> dict[str, Any]:
        """The instance's process variables as its latest step sees them."""
        self.session.refresh(instance)
        return instance_data(self.kf.runtime, instance)

    def status(self, instance: ProcessInstance) -> str:
        """The instance's status, fresh from the database."""
        self.session.refresh(instance)
        return instance.status

    def advance(self, **delta: float) -> int:
        """Move the clock, fire what is due and commit; returns the instances moved."""
        self.clock.advance(**delta)
        moved = self.kf.fire_due_timers(self.session)
        self.session.commit()
        return moved


@pytest.fixture
def submissions() -> dict[str, dict[str, Any]]:
    """Valid data for every user task of the real processes, by BPMN id."""
    return SUBMISSIONS


@pytest.fixture
def kf(clock: MovableClock) -> WorkflowEngine:
    """The engine under test, on the movable clock, sharing one parsed copy of the bundle."""
    return WorkflowEngine(clock=clock, specs=SPECS, script_time_limit=2.0)


@pytest.fixture
def users(session: Session, clock: MovableClock) -> dict[str, User]:
    """One user per role, named after it, plus a second senior manager `sm2`."""
    made = {role: create_user(session, clock, role, [role], email=f"{role}@example.test")
            for role in ALL_ROLES}
    made["sm2"] = create_user(session, clock, "sm2", ["senior_manager"], email="sm2@example.test")
    made["head2"] = create_user(session, clock, "head2", ["dept_head"], email="h2@example.test",
                                language="en")
    session.commit()
    return made


@pytest.fixture
def flow(session: Session, kf: WorkflowEngine, users: dict[str, User],
         clock: MovableClock) -> Flow:
    """The real `processes/` bundle deployed, and a driver for its instances."""
    kf.deploy(session, Bundle.from_folder(PROCESSES))
    session.commit()
    return Flow(session, kf, users, clock)
