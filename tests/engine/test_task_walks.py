"""engine.bpmn.task_walks: `get_tasks` by a plain walk lists exactly what SpiffWorkflow's
iterator lists, for every kind of query, at every step of every test process."""

from __future__ import annotations

import pytest
from process_runs import RUNS, new_workflow, run_through
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.defaults import UserTask
from SpiffWorkflow.util.task import TaskIterator, TaskState

from engine.bpmn.task_walks import (
    _SPIFF_GET_TASKS,
    _SPIFF_IS_COMPLETED,
    fast_get_tasks,
    is_completed,
    update_waiting_tasks,
    waiting_tasks,
)

STATES = [TaskState.READY, TaskState.COMPLETED, TaskState.WAITING, TaskState.MAYBE,
          TaskState.FUTURE, TaskState.CANCELLED, TaskState.FINISHED_MASK,
          TaskState.NOT_FINISHED_MASK, TaskState.ANY_MASK, TaskState.READY | TaskState.WAITING]


def _check(workflow: BpmnWorkflow) -> int:
    workflows = [workflow, *workflow.subprocesses.values()]
    queries = [{}, {"manual": True}, {"manual": False}, {"spec_class": UserTask},
               *({"state": state} for state in STATES),
               {"state": TaskState.READY, "manual": True}]
    for wf in workflows:
        for query in queries:
            fast = [task.id for task in fast_get_tasks(wf, **query)]
            assert fast == [task.id for task in _SPIFF_GET_TASKS(wf, **query)], query
            assert fast == [task.id for task in wf.get_tasks(**query)]  # installed
        assert [task.id for task in waiting_tasks(wf)] == [
            task.id for task in TaskIterator(wf.task_tree, state=TaskState.WAITING)]
        wf.completed = False
        expected = _SPIFF_IS_COMPLETED(wf)
        wf.completed = False
        assert is_completed(wf) == expected == wf.completed
    assert type(workflow).update_waiting_tasks is update_waiting_tasks  # installed
    assert type(workflow).is_completed is is_completed
    return len(workflow.get_tasks(state=TaskState.WAITING))


@pytest.mark.parametrize("key", sorted(RUNS))
def test_get_tasks_lists_what_spiffworkflows_iterator_lists(key):
    waits = []
    assert run_through(key, lambda workflow: waits.append(_check(workflow))).is_completed()
    assert any(waits) or key != "parallel"  # its join waits for the other branch


def test_other_queries_go_to_spiffworkflows_iterator():
    _, workflow = new_workflow("five_steps", "five_steps")
    workflow.do_engine_steps()
    start = workflow.task_tree.children[0]
    for args, query in [((start,), {}), ((), {"max_depth": 2}), ((), {"depth_first": False}),
                        ((), {"end_at_spec": "Start"})]:
        expected = [t.id for t in _SPIFF_GET_TASKS(workflow, *args, **query)]
        assert [t.id for t in workflow.get_tasks(*args, **query)] == expected
