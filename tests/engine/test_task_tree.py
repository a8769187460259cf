"""engine.runtime.task_tree: one walk of the task tree answers what saving asks, exactly as
SpiffWorkflow's own queries answer it, at every step of every test process (restored and
in memory), subprocesses, parallel branches, boundary events and loops included."""

from __future__ import annotations

from pathlib import Path

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from engine.bpmn.serializer import StateSerializer
from engine.clock import MovableClock
from engine.deployment import Bundle, compile_bundle
from engine.runtime.task_tree import walk_tree
from engine.sandbox import SandboxedScriptEngine

DATA = Path(__file__).parents[1] / "data"

RUNS = {  # process key -> (folder, data each user task submits, by bpmn id)
    "approval": ("approval", {"submit": {"title": "t", "amount": 10, "costs": 4},
                              "review": {"decision": "approve"}}),
    "parallel": ("parallel", {}),
    "classify": ("classify", {"enter": {"volume": 6000, "credit": "good"}}),
    "call_parent": ("call", {}),
    "five_steps": ("five_steps", {}),
    "deep_join": ("deep_join", {}),  # 1,200 levels deep: no depth limit either way
}
START = {"deep_join": {"deep": 0, "laps": 0}}


def _ids(tasks):
    return [task.id for task in tasks]


def _check(workflow: BpmnWorkflow) -> None:
    view = walk_tree(workflow)
    assert _ids(view.ready) == _ids(workflow.get_tasks(state=TaskState.READY))
    assert _ids(view.ready_manual) == _ids(workflow.get_tasks(state=TaskState.READY,
                                                              manual=True))
    assert _ids(view.completed) == _ids(workflow.get_tasks(state=TaskState.COMPLETED))


@pytest.mark.parametrize("restore", [False, True])
@pytest.mark.parametrize("key", sorted(RUNS))
def test_one_walk_answers_as_spiffworkflow(key, restore):
    folder, submitted = RUNS[key]
    compiled, problems = compile_bundle(Bundle.from_folder(DATA / folder))
    assert not problems
    process = compiled[key]
    serializer = StateSerializer()
    engine = SandboxedScriptEngine(clock=MovableClock())
    workflow = BpmnWorkflow(process.spec, process.subprocess_specs, script_engine=engine)
    for task in workflow.get_tasks(state=TaskState.READY):
        task.data.update(START.get(key, {}))
    _check(workflow)
    workflow.do_engine_steps()
    while True:
        _check(workflow)
        if restore:
            workflow = serializer.loads(serializer.dumps(workflow), process.spec,
                                        process.subprocess_specs)
            workflow.script_engine = engine
            _check(workflow)
        ready = workflow.get_tasks(state=TaskState.READY, manual=True)
        if not ready:
            break
        task = ready[-1]  # the last one: parallel branches finish out of order
        task.data.update(submitted.get(task.task_spec.bpmn_id, {}))
        task.run()
        _check(workflow)
        workflow.do_engine_steps()
    assert workflow.is_completed()
