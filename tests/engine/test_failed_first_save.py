"""A start whose first run reaches a state that cannot be saved still creates the instance:
in `error`, with the state it was started in (its start event ready, the start data on it),
which restores; nothing of the run is kept (design.md invariant 1, instances.start_instance).
"""

from __future__ import annotations

from pathlib import Path

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

from engine.deployment import Bundle
from engine.models import AuditEvent, HumanTask, ProcessInstance
from engine.runtime.state import restore

FORGE = Path(__file__).parents[1] / "data" / "runtime_failures" / "typename_script"


def forge_first() -> Bundle:
    """typename_script with its script first: start -> forge -> fill -> after -> end (the
    sequence flows rewired; the parser follows them, not the nodes' incoming/outgoing)."""
    text = (FORGE / "typename_script.bpmn").read_text()
    for old, new in [('sourceRef="start" targetRef="fill"', 'sourceRef="start" targetRef="forge"'),
                     ('sourceRef="fill" targetRef="forge"', 'sourceRef="forge" targetRef="fill"'),
                     ('sourceRef="forge" targetRef="after"', 'sourceRef="fill" targetRef="after"')]:
        assert old in text
        text = text.replace(old, new)
    files = {f"forms/{p.name}": p.read_bytes() for p in (FORGE / "forms").iterdir()}
    files["typename_script.bpmn"] = text.encode()
    return Bundle.from_items(files.items())


def test_a_start_whose_first_state_cannot_be_saved_keeps_its_start_state(session, kf, users):
    kf.deploy(session, forge_first())
    session.commit()
    manager = users["senior_manager"]
    instance = kf.start_instance(session, "typename_script", manager, data={"note": "given"})
    session.commit()
    session.expunge_all()
    instance = session.get(ProcessInstance, instance.id)
    assert instance.status == "error"
    assert "typename" in instance.error["reason"] and instance.error["element_id"] == "forge"
    assert session.scalars(select(HumanTask).where(
        HumanTask.instance_id == instance.id)).all() == []
    actions = session.scalars(select(AuditEvent.action).where(
        AuditEvent.instance_id == instance.id).order_by(AuditEvent.id)).all()
    assert actions == ["instance_started", "instance_error"]
    _, workflow = restore(kf.runtime, instance)
    [ready] = workflow.get_tasks(state=TaskState.READY)  # where every start begins
    assert ready.data == {"note": "given"}
    assert not workflow.get_tasks(state=TaskState.FINISHED_MASK)
