"""Scripts that pass the static checks but misbehave at run time put their instance into
`error` with a readable reason; nothing else is affected and this process carries on."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.models import AuditEvent, HumanTask
from engine.workflow_engine import WorkflowEngine

# Only the endless loop is stopped by time, so only it runs with a short limit; the others are
# stopped by a count (size, container items) long before a roomy limit, however loaded the
# machine is.
HOSTILE = {
    "loop_forever": ("time limit", 0.5),
    "huge_string": ("too large", 60.0),
    "colliding_keys": ("container limit: a dict would hold more than 5000 items", 60.0),
    "open_file": ("open", 60.0),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_script_puts_only_its_instance_in_error(session, clock, kf, users, deploy, name):
    deploy(f"runtime_hostile/{name}")
    deploy("approval")
    healthy = kf.start_instance(session, "approval", users["senior_manager"])
    session.commit()
    reason, time_limit = HOSTILE[name]
    hostile_kf = WorkflowEngine(clock=clock, script_time_limit=time_limit)
    bad = hostile_kf.start_instance(session, name, users["senior_manager"])
    session.commit()
    assert bad.status == "error"
    assert reason in bad.error["reason"].lower(), bad.error
    assert bad.error["element_id"]
    assert session.scalars(select(HumanTask).where(HumanTask.instance_id == bad.id)).all() == []
    errors = session.scalars(select(AuditEvent).where(
        AuditEvent.instance_id == bad.id, AuditEvent.action == "instance_error")).all()
    assert len(errors) == 1
    assert healthy.status == "running"
    task = session.scalars(select(HumanTask).where(HumanTask.instance_id == healthy.id)).one()
    kf.complete_task(session, task.id, users["senior_manager"],
                     {"title": "still fine", "amount": 3, "costs": 1})
    session.commit()
