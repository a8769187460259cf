"""One instance that cannot be fired never stops the others' timers (issue 9, item 1).

Three instances wait on the same 2-hour timer; one's saved state is damaged in the database.
The tick fires the two healthy ones and records the damaged one as `error` with the reason.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from engine.models import AuditEvent, HumanTask, ProcessInstance


def not_json(state: str) -> str:
    return state[: len(state) // 2]


def unknown_spec(state: str) -> str:
    # Valid JSON that SpiffWorkflow cannot rebuild: a task of a spec the process lacks.
    dct = json.loads(state)
    task = next(t for t in dct["tasks"].values() if t["task_spec"] == "wait_timer")
    task["task_spec"] = "no_such_element"
    return json.dumps(dct)


def forged_typename(state: str) -> str:
    dct = json.loads(state)
    task = next(t for t in dct["tasks"].values() if t["task_spec"] == "wait_timer")
    task["delta"]["updates"]["note"] = {"typename": "NoSuchClass"}
    return json.dumps(dct)


DAMAGE = {"not_json": not_json, "unknown_spec": unknown_spec, "forged_typename": forged_typename}


def waiting_on_timer(session, kf, manager):
    instance = kf.start_instance(session, "timer_wait", manager)
    session.commit()
    plan = session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id)).one()
    kf.complete_task(session, plan.id, manager, {})
    session.commit()
    return instance


def open_ids(session, instance):
    return [t.bpmn_id for t in session.scalars(select(HumanTask).where(
        HumanTask.instance_id == instance.id, HumanTask.state.in_(["ready", "claimed"])))]


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_a_damaged_instance_goes_to_error_and_its_neighbours_fire(session, kf, users, deploy,
                                                                  clock, damage):
    deploy("timer_wait")
    first, bad, last = (waiting_on_timer(session, kf, users["senior_manager"])
                        for _ in range(3))
    session.execute(update(ProcessInstance).where(ProcessInstance.id == bad.id)
                    .values(state=DAMAGE[damage](bad.state)))  # behind the ORM's back
    session.commit()
    clock.advance(hours=2, seconds=1)
    assert kf.fire_due_timers(session) == 2
    session.commit()
    assert open_ids(session, first) == open_ids(session, last) == ["report"]
    session.refresh(bad)
    assert bad.status == "error"
    assert "cannot be loaded" in bad.error["reason"]
    assert bad.error["at"] == clock.now().isoformat()
    assert bad.next_wakeup_at is None
    errors = session.scalars(select(AuditEvent).where(
        AuditEvent.instance_id == bad.id, AuditEvent.action == "instance_error")).all()
    assert [e.data["reason"] for e in errors] == [bad.error["reason"]]
    assert kf.fire_due_timers(session) == 0  # nothing is due any more, nothing raises


def test_each_instance_is_its_own_command(session, kf, users, deploy, clock):
    deploy("timer_wait")
    ids = [waiting_on_timer(session, kf, users["senior_manager"]).id for _ in range(3)]
    clock.advance(hours=2, seconds=1)
    assert kf.due_timer_instances(session) == ids
    assert kf.due_timer_instances(session, after_id=ids[0], limit=1) == [ids[1]]
    assert kf.fire_timer(session, ids[1]) is True
    session.commit()
    assert kf.fire_timer(session, ids[1]) is False  # no longer due: a second tick is a no-op
    assert kf.due_timer_instances(session) == [ids[0], ids[2]]


def test_a_timer_behind_an_event_based_gateway_is_scheduled_and_fires(session, kf, users,
                                                                      deploy, clock):
    deploy("event_gateway")
    manager = users["senior_manager"]
    instance = kf.start_instance(session, "event_gateway", manager)
    session.commit()
    offer = session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id)).one()
    kf.complete_task(session, offer.id, manager, {})
    session.commit()
    assert open_ids(session, instance) == []
    assert instance.next_wakeup_at == clock.now() + timedelta(days=2)
    clock.advance(days=1)
    assert kf.fire_due_timers(session) == 0
    clock.advance(days=1, seconds=1)
    assert kf.fire_due_timers(session) == 1
    session.commit()
    assert open_ids(session, instance) == ["chase"]
    assert instance.next_wakeup_at is None and instance.status == "running"
