"""Running instances through the engine: user tasks in lanes, gateways, scripts, timers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.clock import MovableClock
from engine.errors import Conflict, Forbidden, InvalidData, NotFound
from engine.models import HumanTask, Notification, ProcessInstance, User
from engine.queries.instances import get_instance, instance_history
from engine.queries.tasks import tasks_for
from engine.workflow_engine import WorkflowEngine


def open_tasks(session: Session, instance: ProcessInstance) -> list[HumanTask]:
    return list(session.scalars(
        select(HumanTask).where(HumanTask.instance_id == instance.id,
                                HumanTask.state.in_(["ready", "claimed"])).order_by(HumanTask.id)
    ))


def only_task(session: Session, instance: ProcessInstance, bpmn_id: str) -> HumanTask:
    found = [t for t in open_tasks(session, instance) if t.bpmn_id == bpmn_id]
    assert len(found) == 1, [t.bpmn_id for t in open_tasks(session, instance)]
    return found[0]


def start_approval(session: Session, kf: WorkflowEngine, users: dict[str, User]
                   ) -> ProcessInstance:
    instance = kf.start_instance(session, "approval", users["senior_manager"],
                                 business_key="REQ-1", customer_name="中铁十局")
    session.commit()
    return instance


def submit(session: Session, kf: WorkflowEngine, users: dict[str, User],
           instance: ProcessInstance, amount: float = 1200, costs: float = 200) -> None:
    task = only_task(session, instance, "submit")
    kf.complete_task(session, task.id, users["senior_manager"],
                     {"title": "板房 300 方", "amount": amount, "costs": costs})
    session.commit()


def test_start_assigns_the_starting_senior_manager(session, kf, users, deploy, clock):
    deploy("approval")
    instance = start_approval(session, kf, users)
    task = only_task(session, instance, "submit")
    assert (task.role, task.state, task.assignee_id) == ("senior_manager", "claimed",
                                                         users["senior_manager"].id)
    assert task.due_at is not None and task.due_at > clock.now()
    assert task.customer_name == "中铁十局"
    # No "new task" mail: the starter is on the screen with the task their start gave them.
    assert session.scalars(select(Notification)).all() == []
    assert instance.status == "running"


def test_approve_path_runs_script_and_gateway(session, kf, users, deploy):
    deploy("approval")
    instance = start_approval(session, kf, users)
    submit(session, kf, users, instance)
    review = only_task(session, instance, "review")
    assert review.role == "dept_head" and review.state == "ready" and review.assignee_id is None
    assert review in tasks_for(session, users["dept_head"], "role")
    kf.claim_task(session, review.id, users["dept_head"])
    session.commit()
    kf.complete_task(session, review.id, users["dept_head"], {"decision": "approve"})
    session.commit()
    view = get_instance(session, kf, instance.id, users["senior_manager"])
    assert view.instance.status == "completed"
    assert view.data["net_value"] == 1000
    assert view.open_tasks == []
    actions = [e.action for e in view.history]
    assert actions[0] == "instance_started" and actions[-1] == "instance_completed"
    assert actions.count("task_completed") == 2


def test_return_loops_back_and_reject_ends(session, kf, users, deploy):
    deploy("approval")
    instance = start_approval(session, kf, users)
    submit(session, kf, users, instance)
    kf.complete_task(session, only_task(session, instance, "review").id, users["dept_head"],
                     {"decision": "return", "comment": "more detail"})
    session.commit()
    again = only_task(session, instance, "submit")
    assert again.assignee_id == users["senior_manager"].id
    submit(session, kf, users, instance, amount=5000, costs=1000)
    kf.complete_task(session, only_task(session, instance, "review").id, users["dept_head"],
                     {"decision": "reject"})
    session.commit()
    assert instance.status == "completed"
    assert open_tasks(session, instance) == []


def test_invalid_form_data_lists_each_field_and_changes_nothing(session, kf, users, deploy):
    deploy("approval")
    instance = start_approval(session, kf, users)
    task = only_task(session, instance, "submit")
    version = instance.version
    with pytest.raises(InvalidData) as caught:
        kf.complete_task(session, task.id, users["senior_manager"], {"amount": -5, "x": 1})
    session.rollback()
    assert set(caught.value.details) >= {"title", "amount"}
    session.refresh(instance)
    assert instance.version == version
    assert only_task(session, instance, "submit").state == "claimed"


def test_only_role_holders_see_and_act(session, kf, users, deploy):
    deploy("approval")
    instance = start_approval(session, kf, users)
    submit(session, kf, users, instance)
    review = only_task(session, instance, "review")
    # The starter sees the head's review (seeing is not acting); the others do not even see it.
    for outsider, refusal in (("clerk", NotFound), ("finance", NotFound), ("nobody", NotFound),
                              ("senior_manager", Forbidden)):
        with pytest.raises(refusal):
            kf.claim_task(session, review.id, users[outsider])
        with pytest.raises(refusal):
            kf.complete_task(session, review.id, users[outsider], {"decision": "approve"})
        session.rollback()
        assert review not in tasks_for(session, users[outsider], "role")
    with pytest.raises(NotFound):
        get_instance(session, kf, instance.id, users["clerk"])


def test_claimed_task_belongs_to_its_assignee(session, kf, users, deploy):
    deploy("approval")
    instance = start_approval(session, kf, users)
    submit(session, kf, users, instance)
    review = only_task(session, instance, "review")
    kf.claim_task(session, review.id, users["dept_head"])
    session.commit()
    with pytest.raises(Conflict):
        kf.claim_task(session, review.id, users["head2"])
    with pytest.raises(Conflict):
        kf.complete_task(session, review.id, users["head2"], {"decision": "approve"})
    with pytest.raises(Forbidden):
        kf.unclaim_task(session, review.id, users["head2"])
    session.rollback()
    kf.unclaim_task(session, review.id, users["dept_head"])
    session.commit()
    kf.complete_task(session, review.id, users["head2"], {"decision": "reject"})
    session.commit()
    assert review.completed_by_id == users["head2"].id


def test_completed_task_cannot_be_completed_again(session, kf, users, deploy):
    deploy("approval")
    instance = start_approval(session, kf, users)
    task = only_task(session, instance, "submit")
    submit(session, kf, users, instance)
    with pytest.raises(Conflict):
        kf.complete_task(session, task.id, users["senior_manager"],
                         {"title": "x", "amount": 1, "costs": 0})
    session.rollback()


def test_boundary_timer_escalates_without_interrupting(session, kf, users, deploy, clock):
    deploy("approval")
    instance = start_approval(session, kf, users)
    submit(session, kf, users, instance)
    assert instance.next_wakeup_at == clock.now() + timedelta(days=3)
    assert kf.fire_due_timers(session, clock.now() + timedelta(days=2)) == 0
    session.commit()
    clock.advance(days=3, seconds=1)
    assert kf.fire_due_timers(session) == 1
    session.commit()
    session.refresh(instance)
    ids = sorted(t.bpmn_id for t in open_tasks(session, instance))
    assert ids == ["escalated_review", "review"]
    escalated = only_task(session, instance, "escalated_review")
    assert escalated.role == "marketing_director"
    assert "timer_fired" in [e.action for e in instance_history(session, instance.id)]
    assert kf.fire_due_timers(session) == 0


def test_intermediate_timer_waits_for_the_clock(session, kf, users, deploy, clock):
    deploy("timer_wait")
    instance = kf.start_instance(session, "timer_wait", users["senior_manager"])
    session.commit()
    kf.complete_task(session, only_task(session, instance, "plan").id,
                     users["senior_manager"], {"wait": "2h"})
    session.commit()
    assert open_tasks(session, instance) == []
    assert instance.next_wakeup_at == clock.now() + timedelta(hours=2)
    clock.advance(hours=1)
    assert kf.fire_due_timers(session) == 0
    clock.advance(hours=1, seconds=1)
    assert kf.fire_due_timers(session) == 1
    session.commit()
    assert only_task(session, instance, "report").assignee_id == users["senior_manager"].id
    assert instance.next_wakeup_at is None


def test_parallel_branches_join_once(session, kf, users, deploy):
    deploy("parallel")
    instance = kf.start_instance(session, "parallel", users["senior_manager"])
    session.commit()
    kf.complete_task(session, only_task(session, instance, "prepare").id,
                     users["senior_manager"], {})
    session.commit()
    assert sorted(t.bpmn_id for t in open_tasks(session, instance)) == ["analyse", "audit"]
    kf.complete_task(session, only_task(session, instance, "audit").id, users["clerk"], {})
    session.commit()
    assert [t.bpmn_id for t in open_tasks(session, instance)] == ["analyse"]
    kf.complete_task(session, only_task(session, instance, "analyse").id,
                     users["senior_manager"], {})
    session.commit()
    assert [t.bpmn_id for t in open_tasks(session, instance)] == ["finish"]


def test_business_rule_task_collects_classes(session, kf, users, deploy):
    deploy("classify")
    results = {}
    for volume, credit in [(6000, "good"), (4000, "good"), (6000, "bad"), (100, "good")]:
        instance = kf.start_instance(session, "classify", users["senior_manager"])
        kf.complete_task(session, only_task(session, instance, "enter").id,
                         users["senior_manager"], {"volume": volume, "credit": credit})
        session.commit()
        view = get_instance(session, kf, instance.id, users["dept_head"])
        results[(volume, credit)] = view.data.get("classes")
    assert results[(6000, "good")] == ["quality"]
    assert results[(4000, "good")] == ["potential"]
    assert not results[(6000, "bad")]
    assert not results[(100, "good")]


def test_call_activity_runs_the_child_process(session, kf, users, deploy):
    deploy("call")
    instance = kf.start_instance(session, "call_parent", users["senior_manager"])
    session.commit()
    kf.complete_task(session, only_task(session, instance, "before").id,
                     users["senior_manager"], {})
    session.commit()
    child = only_task(session, instance, "child_step")
    assert child.role == "clerk"
    kf.complete_task(session, child.id, users["clerk"], {})
    session.commit()
    kf.complete_task(session, only_task(session, instance, "after").id, users["dept_head"], {})
    session.commit()
    assert instance.status == "completed"


def test_cancel_closes_open_tasks(session, kf, users, deploy):
    deploy("approval")
    instance = start_approval(session, kf, users)
    with pytest.raises(Forbidden):
        kf.cancel_instance(session, instance.id, users["clerk"])
    session.rollback()
    kf.cancel_instance(session, instance.id, users["senior_manager"], "customer withdrew")
    session.commit()
    assert instance.status == "cancelled" and instance.ended_at is not None
    assert open_tasks(session, instance) == []
    with pytest.raises(Conflict):
        kf.cancel_instance(session, instance.id, users["admin"])
    session.rollback()


def test_starting_needs_a_lane_role(session, kf, users, deploy):
    deploy("approval")
    with pytest.raises(Forbidden):
        kf.start_instance(session, "approval", users["finance"])
    with pytest.raises(NotFound):
        kf.start_instance(session, "no_such_process", users["senior_manager"])
    session.rollback()


def test_sticky_assignment_only_for_a_starting_senior_manager(session, kf, users, deploy):
    deploy("approval")
    instance = kf.start_instance(session, "approval", users["dept_head"])
    session.commit()
    task = only_task(session, instance, "submit")
    assert task.assignee_id is None and task.state == "ready"
    assert task in tasks_for(session, users["sm2"], "role")


def test_clock_moves_due_times(session, kf, users, deploy, clock: MovableClock):
    deploy("approval")
    clock.advance(days=10)
    instance = start_approval(session, kf, users)
    task = only_task(session, instance, "submit")
    assert task.created_at == clock.now()
