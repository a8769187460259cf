"""Scripts that pass the static checks but misbehave at run time put their instance into
`error` with a readable reason; nothing else is affected and this process carries on."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from engine.models import AuditEvent, HumanTask

HOSTILE = {
    "loop_forever": "time limit",
    "huge_string": "too large",
    "open_file": "open",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_script_puts_only_its_instance_in_error(session, kf, users, deploy, name):
    deploy(f"runtime_hostile/{name}")
    deploy("approval")
    healthy = kf.start_instance(session, "approval", users["senior_manager"])
    session.commit()
    started = time.monotonic()
    bad = kf.start_instance(session, name, users["senior_manager"])
    session.commit()
    assert time.monotonic() - started < 10
    assert bad.status == "error"
    assert HOSTILE[name] in bad.error["reason"].lower(), bad.error
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
