"""The test processes run to their end outside the database, task by task: what the tests of
SpiffWorkflow's task queries and of keyflow's tree walk check at every step."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from engine.bpmn.serializer import StateSerializer
from engine.clock import MovableClock
from engine.deployment import Bundle, compile_bundle
from engine.sandbox import SandboxedScriptEngine

DATA = Path(__file__).parent / "data"

# process key -> (folder, data each user task submits, by bpmn id)
RUNS: dict[str, tuple[str, dict[str, dict[str, Any]]]] = {
    "approval": ("approval", {"submit": {"title": "t", "amount": 10, "costs": 4},
                              "review": {"decision": "approve"}}),
    "parallel": ("parallel", {}),
    "classify": ("classify", {"enter": {"volume": 6000, "credit": "good"}}),
    "call_parent": ("call", {}),
    "five_steps": ("five_steps", {}),
    "deep_join": ("deep_join", {}),  # 1,200 levels deep: no depth limit either way
}
START = {"deep_join": {"deep": 0, "laps": 0}}


def new_workflow(folder: str, key: str) -> tuple[Any, BpmnWorkflow]:
    """Process `key` of the test bundle `folder`, compiled, and a new workflow of it on
    keyflow's sandboxed script engine (nothing run yet)."""
    compiled, problems = compile_bundle(Bundle.from_folder(DATA / folder))
    assert not problems
    process = compiled[key]
    engine = SandboxedScriptEngine(clock=MovableClock())
    return process, BpmnWorkflow(process.spec, process.subprocess_specs, script_engine=engine)


def run_through(key: str, check: Callable[[BpmnWorkflow], None], *,
                restore: bool = False) -> BpmnWorkflow:
    """Run process `key` to its end, the last ready user task first (parallel branches finish
    out of order), calling `check` before and after every task and engine run — and, with
    `restore`, on the workflow restored from its saved state after each engine run, which
    then goes on."""
    folder, submitted = RUNS[key]
    process, workflow = new_workflow(folder, key)
    serializer = StateSerializer()
    engine = workflow.script_engine
    for task in workflow.get_tasks(state=TaskState.READY):
        task.data.update(START.get(key, {}))
    check(workflow)
    workflow.do_engine_steps()
    while True:
        check(workflow)
        if restore:
            workflow = serializer.loads(serializer.dumps(workflow), process.spec,
                                        process.subprocess_specs)
            workflow.script_engine = engine
            check(workflow)
        ready = workflow.get_tasks(state=TaskState.READY, manual=True)
        if not ready:
            return workflow
        task = ready[-1]
        task.data.update(submitted.get(task.task_spec.bpmn_id, {}))
        task.run()
        check(workflow)
        workflow.do_engine_steps()
