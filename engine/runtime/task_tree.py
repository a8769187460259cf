"""What saving a command's workflow needs to know of its task tree, read in one walk.

Saving asked SpiffWorkflow three questions, each a walk of the whole tree with its iterator
(the ready tasks, the ready user tasks, the completed elements). `walk_tree` answers them
in one walk, each as SpiffWorkflow's own query answers it: the same tasks, in the same
depth-first order, subprocesses' tasks included as `BpmnWorkflow.get_tasks` includes them.
Like those iterators once engine.bpmn.deep_trees has lifted their depth limit, it has none.
Whether the workflow has finished is still SpiffWorkflow's own check (it stops at the first
unfinished task): were a depth limit ever back in SpiffWorkflow, its check and its engine
steps would share it, and the finished state's own walk (state.first_open_task, unlimited)
turns a false "completed" into an error instead of a stall (tests/engine/test_long_loops).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from engine.bpmn.task_walks import children_reversed

_READY = TaskState.READY
_COMPLETED = TaskState.COMPLETED
# A query for READY tasks descends into tasks from FUTURE up; one for COMPLETED tasks only
# into finished ones (SpiffWorkflow's TaskIterator.min_state).
_READY_DESCENT = TaskState.FUTURE
_COMPLETED_DESCENT = TaskState.COMPLETED


@dataclass
class TreeView:
    """The answers of one walk of a workflow's task tree."""

    ready: list[Any] = field(default_factory=list)  # get_tasks(state=READY)
    ready_manual: list[Any] = field(default_factory=list)  # ... and manual=True
    completed: list[Any] = field(default_factory=list)  # get_tasks(state=COMPLETED)


def walk_tree(workflow: BpmnWorkflow) -> TreeView:
    """Walk `workflow`'s task tree once (see the module docstring)."""
    view = TreeView()
    subprocesses = workflow.subprocesses
    # (task, reached by the COMPLETED query), depth first, children in order
    stack: list[tuple[Any, bool]] = [(workflow.task_tree, True)]
    while stack:
        task, for_completed = stack.pop()
        state = task._state  # noqa: SLF001 - the `state` property's value
        if state == _READY:
            view.ready.append(task)
            if task.task_spec.manual:
                view.ready_manual.append(task)
        elif state == _COMPLETED and for_completed:
            view.completed.append(task)
        subprocess = subprocesses.get(task.id) if subprocesses else None  # no UUID hash
        if not (task._children or subprocess is not None):  # noqa: SLF001 - as the iterator
            continue
        if subprocess is None and state < _READY_DESCENT:
            continue  # a predicted task: neither query descends
        below = for_completed and (subprocess is not None or state >= _COMPLETED_DESCENT)
        stack.extend((child, below) for child in children_reversed(task))
        if subprocess is not None:  # visited before the children
            stack.append((subprocess.task_tree, below))
    return view
