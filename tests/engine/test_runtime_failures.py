"""Whatever fails while a command runs an instance puts that instance into `error` with the
reason and element; nothing escapes the command and nothing half-written is saved (issue 9,
items 5, 9 and 10). The bundles are in tests/data/runtime_failures (see their README.txt).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine.bpmn.parser import KeyflowParser
from engine.deployment import CompiledProcess
from engine.errors import InvalidData
from engine.models import AuditEvent, HumanTask, ProcessDefinition
from engine.runtime.state import restore
from engine.runtime.steps import MAX_CALL_DEPTH, MAX_ENGINE_STEPS

DATA = Path(__file__).parents[1] / "data" / "runtime_failures"

FAILING_STARTS = {
    # bundle: (start data, words of the reason, element id)
    "bad_correlation": ({}, "order", "send_order"),
    "mi_without_items": ({}, "TypeError", "each"),
    "data_timer": ({"wait_for": "P99999999D"}, "beyond the 10-year limit", "wait"),
    "spin": ({"n": 0}, f"more than {MAX_ENGINE_STEPS} steps", None),
}


def errors_of(session, instance):
    return session.scalars(select(AuditEvent).where(
        AuditEvent.instance_id == instance.id, AuditEvent.action == "instance_error")).all()


def open_rows(session, instance):
    return session.scalars(select(HumanTask).where(
        HumanTask.instance_id == instance.id, HumanTask.state.in_(["ready", "claimed"]))
        .execution_options(populate_existing=True)).all()


@pytest.mark.parametrize("bundle", sorted(FAILING_STARTS))
def test_a_start_that_fails_at_once_is_an_instance_in_error(session, kf, users, deploy,
                                                            clock, bundle):
    deploy(f"runtime_failures/{bundle}")
    data, words, element = FAILING_STARTS[bundle]
    instance = kf.start_instance(session, bundle, users["admin"], data=data)
    session.commit()
    assert instance.status == "error"
    assert words in instance.error["reason"], instance.error
    assert instance.error["element_id"] == element or (
        element is None and instance.error["element_id"] in ("merge", "count", "check"))
    assert instance.error["at"] == clock.now().isoformat()
    assert instance.next_wakeup_at is None
    assert len(errors_of(session, instance)) == 1
    assert open_rows(session, instance) == []
    restore(kf.runtime, instance)  # what was saved is a whole state


def test_a_process_that_calls_itself_stops_at_the_nesting_limit(session, kf, users, deploy):
    deploy("runtime_failures/call_self")
    definition = session.scalars(select(ProcessDefinition).where(
        ProcessDefinition.key == "call_self")).one()
    # The same file with the call pointing at itself, parsed without deployment's checks: a
    # recursive process as if deployed before deployment refused recursion.
    text = (DATA / "call_self" / "call_self.bpmn").read_text().replace(
        'calledElement="call_self_leaf"', 'calledElement="call_self"')
    parser = KeyflowParser()
    parser.add_bpmn_str(text.encode(), filename="call_self.bpmn")
    kf.runtime.specs.put(CompiledProcess(
        key="call_self", name="call_self", name_en="call_self",
        spec=parser.get_spec("call_self"),
        subprocess_specs=parser.get_subprocess_specs("call_self"),
        files={n: t.encode() for n, t in definition.files.items()}))
    instance = kf.start_instance(session, "call_self", users["admin"])
    session.commit()
    assert instance.status == "error"
    assert f"nested more than {MAX_CALL_DEPTH} deep" in instance.error["reason"]
    assert instance.error["element_id"] == "start"
    assert len(errors_of(session, instance)) == 1


def test_a_state_that_cannot_be_saved_keeps_the_last_good_one(session, kf, users, deploy):
    deploy("runtime_failures/typename_script")
    manager = users["senior_manager"]
    instance = kf.start_instance(session, "typename_script", manager)
    session.commit()
    fill = open_rows(session, instance)[0]
    before = instance.state
    kf.complete_task(session, fill.id, manager, {"note": "fine"})
    session.commit()
    session.refresh(instance)
    assert instance.status == "error"
    assert "typename" in instance.error["reason"] and instance.error["element_id"] == "forge"
    assert instance.state == before  # the last good state, not the forged one
    assert [t.id for t in open_rows(session, instance)] == [fill.id]  # still open
    actions = session.scalars(select(AuditEvent.action).where(
        AuditEvent.instance_id == instance.id).order_by(AuditEvent.id)).all()
    assert "task_completed" not in actions and actions[-1] == "instance_error"
    _, workflow = restore(kf.runtime, instance)
    assert "price" not in workflow.get_next_task(spec_name="fill").data


@pytest.mark.parametrize("submitted", [
    {"x": {"typename": "Decimal", "value": "1"}},
    {"x": [{"_hidden": 1}]},
    {"x": float("nan")},
])
def test_task_data_breaking_the_limits_is_refused_and_nothing_changes(session, kf, users,
                                                                      deploy, submitted):
    deploy("runtime_failures/typename_script")
    manager = users["senior_manager"]
    instance = kf.start_instance(session, "typename_script", manager)
    session.commit()
    fill = open_rows(session, instance)[0]
    events = session.scalar(select(func.count()).select_from(AuditEvent))
    with pytest.raises(InvalidData) as refused:
        kf.complete_task(session, fill.id, manager, submitted)
    session.rollback()
    assert refused.value.details and all(p.startswith("x") for p in refused.value.details)
    assert session.scalar(select(func.count()).select_from(AuditEvent)) == events
    assert [t.id for t in open_rows(session, instance)] == [fill.id]
