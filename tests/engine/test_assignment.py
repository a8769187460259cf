"""Assignment (engine.runtime.assignment): reassigning a task to a colleague of its role, and
changing an instance's owner, which moves its sticky senior-manager tasks — both audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.accounts import create_user
from engine.errors import Conflict, Forbidden, InvalidData, NotFound
from engine.models import AuditEvent, HumanTask, Notification
from engine.runtime.access import can_see_instance

SUBMIT = {"title": "板房 300 方", "amount": 1200, "costs": 200}


def _open(session, instance) -> HumanTask:
    return session.scalars(select(HumanTask).where(
        HumanTask.instance_id == instance.id, HumanTask.state.in_(("ready", "claimed")))
        .order_by(HumanTask.id)).first()


def _events(session, action):
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                                .order_by(AuditEvent.id)))


def test_the_holder_reassigns_a_task_to_a_colleague_of_its_role(session, kf, users, deploy):
    deploy("approval")
    instance = kf.start_instance(session, "approval", users["senior_manager"])
    session.commit()
    submit = _open(session, instance)
    kf.reassign_task(session, submit.id, users["senior_manager"], "sm2")
    session.commit()
    assert submit.assignee_id == users["sm2"].id and submit.state == "claimed"
    assert can_see_instance(session, users["sm2"], instance)
    [event] = _events(session, "task_reassigned")
    assert event.actor_id == users["senior_manager"].id and event.task_id == submit.id
    assert event.data == {"from": "senior_manager", "to": "sm2"}
    mail = session.scalars(select(Notification).where(
        Notification.recipient_id == users["sm2"].id, Notification.task_id == submit.id)).all()
    assert [m.kind for m in mail] == ["task_assigned"]
    # The old holder no longer works on it; the new one completes it.
    with pytest.raises(Conflict):
        kf.complete_task(session, submit.id, users["senior_manager"], SUBMIT)
    session.rollback()
    kf.complete_task(session, submit.id, users["sm2"], SUBMIT)
    session.commit()
    assert submit.completed_by_id == users["sm2"].id


def test_a_leader_hands_out_a_pool_task_and_others_may_not(session, kf, users, deploy):
    deploy("approval")
    instance = kf.start_instance(session, "approval", users["dept_head"])
    session.commit()
    submit = _open(session, instance)
    assert submit.assignee_id is None
    with pytest.raises(Forbidden):  # a role holder claims, but hands out nothing
        kf.reassign_task(session, submit.id, users["senior_manager"], "sm2")
    session.rollback()
    with pytest.raises(NotFound):  # cannot even see it
        kf.reassign_task(session, submit.id, users["finance"], "sm2")
    session.rollback()
    kf.reassign_task(session, submit.id, users["marketing_director"], "sm2")
    session.commit()
    assert submit.assignee_id == users["sm2"].id
    assert _events(session, "task_reassigned")[0].data == {"from": None, "to": "sm2"}


@pytest.mark.parametrize("target", ["finance", "ghost", "nobody"])
def test_the_new_holder_must_hold_the_role_and_be_active(session, kf, users, deploy, target):
    deploy("approval")
    instance = kf.start_instance(session, "approval", users["senior_manager"])
    session.commit()
    submit = _open(session, instance)
    with pytest.raises(InvalidData) as caught:
        kf.reassign_task(session, submit.id, users["senior_manager"], target)
    assert "user" in caught.value.details
    session.rollback()
    assert submit.assignee_id == users["senior_manager"].id
    assert _events(session, "task_reassigned") == []


def test_an_inactive_colleague_cannot_take_a_task(session, kf, users, deploy):
    deploy("approval")
    instance = kf.start_instance(session, "approval", users["senior_manager"])
    users["sm2"].active = False
    session.commit()
    with pytest.raises(InvalidData):
        kf.reassign_task(session, _open(session, instance).id, users["senior_manager"], "sm2")
    session.rollback()


def test_a_done_task_is_not_reassigned(session, kf, users, deploy):
    deploy("approval")
    instance = kf.start_instance(session, "approval", users["senior_manager"])
    session.commit()
    submit = _open(session, instance)
    kf.complete_task(session, submit.id, users["senior_manager"], SUBMIT)
    session.commit()
    with pytest.raises(Conflict):
        kf.reassign_task(session, submit.id, users["dept_head"], "sm2")
    session.rollback()


def test_changing_the_owner_moves_the_open_and_the_later_sticky_tasks(session, kf, users,
                                                                     deploy):
    deploy("approval")
    instance = kf.start_instance(session, "approval", users["senior_manager"])
    session.commit()
    submit = _open(session, instance)
    with pytest.raises(Forbidden):
        kf.change_owner(session, instance.id, users["senior_manager"], "sm2")
    session.rollback()
    with pytest.raises(InvalidData):
        kf.change_owner(session, instance.id, users["dept_head"], "clerk")
    session.rollback()
    kf.change_owner(session, instance.id, users["dept_head"], "sm2")
    session.commit()
    assert instance.owner_id == users["sm2"].id
    assert submit.assignee_id == users["sm2"].id  # the open sticky task moved
    [event] = _events(session, "owner_changed")
    assert event.data == {"from": "senior_manager", "to": "sm2", "tasks": [submit.id]}
    kf.complete_task(session, submit.id, users["sm2"], SUBMIT)
    kf.complete_task(session, _open(session, instance).id, users["dept_head"],
                     {"decision": "return", "comment": "more"})
    session.commit()
    assert _open(session, instance).assignee_id == users["sm2"].id  # and the later one


def test_the_owner_of_an_ended_instance_stays(session, kf, users, deploy):
    deploy("approval")
    instance = kf.start_instance(session, "approval", users["senior_manager"])
    kf.cancel_instance(session, instance.id, users["senior_manager"])
    session.commit()
    with pytest.raises(Conflict):
        kf.change_owner(session, instance.id, users["dept_head"], "sm2")
    session.rollback()
    assert instance.owner_id == users["senior_manager"].id


def test_a_task_for_a_role_colleague_who_also_leads(session, kf, users, deploy, clock):
    """A head holding the senior-manager role too may be handed a manager's task."""
    both = create_user(session, clock, "both", ["senior_manager", "dept_head"])
    deploy("approval")
    instance = kf.start_instance(session, "approval", users["senior_manager"])
    session.commit()
    kf.reassign_task(session, _open(session, instance).id, users["senior_manager"], "both")
    session.commit()
    assert _open(session, instance).assignee_id == both.id
