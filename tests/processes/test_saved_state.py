"""Save and restore in the middle of each real process: the state survives unchanged and a run
restored at every step ends exactly like one that never left memory."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from engine.bpmn.serializer import StateSerializer
from engine.clock import MovableClock
from engine.deployment import Bundle, compile_bundle
from engine.sandbox import SandboxedScriptEngine

PROCESSES = Path(__file__).parents[2] / "processes"
START = {"key_account_visit": {"customer_name": "中铁十局"}}


class RecordingServices:
    """Stands in for the database-backed services: answers plausibly, remembers each call."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def call(self, name: str, params: dict[str, Any], data: Any, *,
             element_id: str | None = None, task_id: str | None = None) -> Any:
        self.calls.append((name, params))
        if name == "keyflow.set_customer":
            return {"name": params["name"], "customer_id": None, "status": None,
                    "classes": [], "is_key_account": False, "owner": None}
        return 1


@pytest.fixture(scope="module")
def compiled() -> dict[str, Any]:
    processes, problems = compile_bundle(Bundle.from_folder(PROCESSES))
    assert not problems
    return processes


def drive(process: Any, submissions: dict[str, dict[str, Any]], restore_every_step: bool
          ) -> tuple[BpmnWorkflow, list[str], RecordingServices]:
    serializer = StateSerializer()
    services = RecordingServices()
    clock = MovableClock(datetime(2026, 3, 2, 1, 0, tzinfo=UTC))
    engine = SandboxedScriptEngine(clock=clock, services=services)
    workflow = BpmnWorkflow(process.spec, process.subprocess_specs, script_engine=engine)
    workflow.get_tasks(state=TaskState.READY)[0].data.update(START.get(process.key, {}))
    workflow.do_engine_steps()
    done: list[str] = []
    for _ in range(200):
        if restore_every_step:
            state = serializer.dumps(workflow)
            workflow = serializer.loads(state, process.spec, process.subprocess_specs)
            workflow.script_engine = engine
            assert serializer.dumps(workflow) == state  # restored state is identical
        ready = workflow.get_tasks(state=TaskState.READY, manual=True)
        if not ready:
            if workflow.is_completed():
                break
            clock.advance(days=1)  # waiting for a date: let time pass
            workflow.refresh_timers()
            workflow.do_engine_steps()
            continue
        task = min(ready, key=lambda t: t.task_spec.bpmn_id)
        task.data.update(submissions[task.task_spec.bpmn_id])
        task.run()
        workflow.do_engine_steps()
        done.append(task.task_spec.bpmn_id)
    return workflow, done, services


@pytest.mark.parametrize("key", ["key_account_development", "key_account_visit",
                                 "customer_reception"])
def test_restored_run_matches_in_memory_run(compiled, submissions, key):
    memory, memory_steps, memory_calls = drive(compiled[key], submissions, False)
    restored, restored_steps, restored_calls = drive(compiled[key], submissions, True)
    assert memory.is_completed() and restored.is_completed()
    assert memory_steps == restored_steps and len(memory_steps) >= 6
    assert memory.last_task.data == restored.last_task.data
    assert memory_calls.calls == restored_calls.calls and memory_calls.calls


def test_stored_state_mid_run_restores_to_the_open_tasks(flow, kf, session):
    """The database copy of a development waiting on two parallel tasks and a timer."""
    instance = flow.start("key_account_development")
    flow.complete(instance, "register_prospect", existing_customer=True)
    flow.run(instance, "collect_basic_info", "analyse_usage")
    session.refresh(instance)
    serializer = StateSerializer()
    compiled = kf.runtime.specs.get(instance.definition)
    workflow = serializer.loads(instance.state, compiled.spec, compiled.subprocess_specs)
    assert serializer.dumps(workflow) == instance.state
    ready = {str(t.id): t.task_spec.bpmn_id
             for t in workflow.get_tasks(state=TaskState.READY, manual=True)}
    rows = {t.spiff_task_id: t.bpmn_id for t in flow.open_tasks(instance)}
    assert ready == rows and sorted(ready.values()) == ["credit_audit", "deeper_analysis"]
    audit = workflow.get_task_from_id(UUID(next(k for k, v in ready.items()
                                                 if v == "credit_audit")))
    assert audit.data["customer_name"] == "中铁十局" and audit.data["customer_classes"] == []
