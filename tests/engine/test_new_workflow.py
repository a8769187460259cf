"""A new workflow's only ready task is its root, where a start puts the start data
(engine.runtime.instances._new_workflow reads the root instead of walking the tree): true
of every process keyflow ships and tests with."""

from __future__ import annotations

from pathlib import Path

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from engine.deployment import Bundle, compile_bundle

ROOT = Path(__file__).parents[2]
DATA = ROOT / "tests" / "data"
FOLDERS = [ROOT / "processes"] + sorted({
    p.parent for p in DATA.rglob("*.bpmn") if p.relative_to(DATA).parts[0] != "invalid"})


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: str(p.relative_to(ROOT)))
def test_a_new_workflow_has_its_root_ready_and_nothing_else(folder):
    compiled, _ = compile_bundle(Bundle.from_folder(folder))  # the processes that compile
    for process in compiled.values():
        workflow = BpmnWorkflow(process.spec, process.subprocess_specs)
        assert workflow.get_tasks(state=TaskState.READY) == [workflow.task_tree]
