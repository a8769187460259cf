"""A known month of department history, made by driving the real processes (`processes/`).

The driver mirrors tests/processes' `flow` in a few lines: complete each open task as the
user of its role with valid data, one committed command per step.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.accounts import create_user
from engine.clock import MovableClock
from engine.deployment import Bundle, SpecCache
from engine.models import OPEN_TASK_STATES, HumanTask, ProcessInstance, User
from engine.roles import ALL_ROLES
from engine.workflow_engine import WorkflowEngine

PROCESSES = Path(__file__).parents[2] / "processes"
SPECS = SpecCache()
# Valid data for every user task by BPMN id, shared with tests/processes.
SUBMISSIONS: dict[str, dict[str, Any]] = json.loads(
    (Path(__file__).parents[1] / "data" / "process_submissions.json").read_text(encoding="utf-8"))
DEV = "key_account_development"
VISIT = "key_account_visit"
RECEPTION = "customer_reception"
TO_APPLICATION = ("register_prospect", "collect_basic_info", "analyse_usage",
                  "deeper_analysis", "forecast")


class History:
    """Starts instances and completes their tasks as the right users."""

    def __init__(self, session: Session, kf: WorkflowEngine, users: dict[str, User],
                 clock: MovableClock) -> None:
        self.session, self.kf, self.users, self.clock = session, kf, users, clock

    def start(self, key: str, **kwargs: Any) -> ProcessInstance:
        """Start process `key` as the senior manager."""
        instance = self.kf.start_instance(self.session, key, self.users["senior_manager"],
                                          **kwargs)
        self.session.commit()
        return instance

    def complete(self, instance: ProcessInstance, bpmn_id: str, **changes: Any) -> None:
        """Complete the open task `bpmn_id` with its standard data changed by `changes`."""
        [task] = [t for t in self.session.scalars(select(HumanTask).where(
            HumanTask.instance_id == instance.id, HumanTask.state.in_(OPEN_TASK_STATES),
            HumanTask.bpmn_id == bpmn_id).execution_options(populate_existing=True))]
        data = {k: v for k, v in {**SUBMISSIONS[bpmn_id], **changes}.items() if v is not None}
        self.kf.complete_task(self.session, task.id, self.users[task.role], data)
        self.session.commit()

    def run(self, instance: ProcessInstance, *bpmn_ids: str) -> None:
        """Complete each task in turn with its standard data."""
        for bpmn_id in bpmn_ids:
            self.complete(instance, bpmn_id)

    def advance(self, **delta: float) -> None:
        """Move the clock and fire what is due."""
        self.clock.advance(**delta)
        self.kf.fire_due_timers(self.session)
        self.session.commit()


@pytest.fixture
def users(session: Session, clock: MovableClock) -> dict[str, User]:
    """One user per role, named after it."""
    made = {role: create_user(session, clock, role, [role], email=f"{role}@example.test")
            for role in ALL_ROLES}
    session.commit()
    return made


@pytest.fixture
def history(session: Session, clock: MovableClock, users: dict[str, User]) -> History:
    """March 2026 (clock from 2026-03-02 09:00 in China):

    - developments: 中铁十局 approved by the head and filed; 中铁隧道局 returned by the head;
      中交一公局 only registered; 中建三局 pooled, then developed again, approved and filed;
    - visits: one done (first contact 03-02, report 03-20: 18 days; budget 2800, actual
      2500.5), one declined by the customer, one left unanswered until the timeout;
    - a reception held on 03-16 (budget 3300, actual 3000).
    """
    kf = WorkflowEngine(clock=clock, specs=SPECS, script_time_limit=2.0)
    kf.deploy(session, Bundle.from_folder(PROCESSES))
    session.commit()
    h = History(session, kf, users, clock)
    approved = h.start(DEV)
    h.run(approved, *TO_APPLICATION, "development_application", "head_review", "file_account")
    returned = h.start(DEV)
    h.complete(returned, "register_prospect", customer_name="中铁隧道局")
    h.run(returned, *TO_APPLICATION[1:], "development_application")
    h.complete(returned, "head_review", head_decision="return", head_comment="补充成本")
    registered = h.start(DEV)
    h.complete(registered, "register_prospect", customer_name="中交一公局")
    pooled = h.start(DEV)
    h.complete(pooled, "register_prospect", customer_name="中建三局")
    h.run(pooled, *TO_APPLICATION[1:-1])
    h.complete(pooled, "forecast", forecast_profit=40000)  # not worth it: the pool
    again = h.start(DEV)
    h.complete(again, "register_prospect", customer_name="中建三局")
    h.run(again, *TO_APPLICATION[1:], "development_application", "head_review", "file_account")

    visit = h.start(VISIT, customer_name="中铁十局")
    h.run(visit, "topic_meeting", "map_buying_centre", "first_contact", "confirm_appointment",
          "pre_visit_meeting", "prepare_visit", "head_approve_plan", "finance_approve_advance")
    declined = h.start(VISIT, customer_name="中铁隧道局")
    h.run(declined, "topic_meeting", "map_buying_centre", "first_contact")
    h.complete(declined, "confirm_appointment", appointment_answer="decline")
    unanswered = h.start(VISIT, customer_name="中交一公局")
    h.run(unanswered, "topic_meeting", "map_buying_centre", "first_contact")
    reception = h.start(RECEPTION, customer_name="中铁十局")
    h.run(reception, "register_reception", "head_approve_reception", "finance_approve_budget",
          "confirm_arrival")
    h.advance(days=18)  # 03-20 09:00: past the reception date, the visit date, the timeout
    h.run(reception, "reception_summary", "settle_reception")
    h.run(visit, "visit_report", "settle_expenses")
    return h
