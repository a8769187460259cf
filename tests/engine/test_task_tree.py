"""engine.runtime.task_tree: one walk of the task tree answers what saving asks, exactly as
SpiffWorkflow's own queries answer it, at every step of every test process (restored and
in memory), subprocesses, parallel branches, boundary events and loops included."""

from __future__ import annotations

import pytest
from process_runs import RUNS, run_through
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from engine.runtime.task_tree import walk_tree


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
    assert run_through(key, _check, restore=restore).is_completed()
