"""SpiffWorkflow's `get_tasks` for a BPMN workflow, answered by a plain walk of the tree.

SpiffWorkflow lists a workflow's tasks through `BpmnTaskIterator`, which pops each task off
the front of a list, rebuilds that list for every task with children and keeps a depth
count: its own engine steps ask for the ready tasks a few times per step, and those walks
were a tenth of a task completion's CPU. `fast_get_tasks` gives the same list (the same
tasks, in the same depth-first order, subprocesses' tasks before the children of the task
that runs them, the same filter) with a stack, for the queries that only filter (state,
manual, spec name or class, update time, lane, caught event) and start at the root. Any
other query, or one made while the iterator's depth limit is back (engine.bpmn.deep_trees
lifts it; a test puts one back), goes to SpiffWorkflow's iterator as before.

`waiting_tasks` does the same for the walk SpiffWorkflow makes after every completed task
(`Workflow.update_waiting_tasks`, with the plain `TaskIterator`): lazily, as that iterator,
so a task updated on the way changes the rest of the walk exactly as it did there; and
`is_completed` for its finished check.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from SpiffWorkflow import Workflow
from SpiffWorkflow.bpmn.util.subworkflow import BpmnBaseWorkflow
from SpiffWorkflow.bpmn.util.task import BpmnTaskFilter, BpmnTaskIterator
from SpiffWorkflow.util.task import TaskIterator, TaskState

from .deep_trees import UNBOUNDED

_FILTER_ONLY = frozenset({"state", "manual", "spec_name", "spec_class", "updated_ts",
                          "lane", "catches_event"})
_SPIFF_GET_TASKS = BpmnBaseWorkflow.get_tasks
_MAX_DEPTH = 1  # position of max_depth among BpmnTaskIterator.__init__'s defaults


def children_reversed(task: Any) -> Iterator[Any]:
    """`reversed(task.children)` without the list (`Task.children` looks each child up)."""
    return map(task.workflow.tasks.get, reversed(task._children))  # noqa: SLF001


def fast_get_tasks(workflow: Any, first_task: Any = None, **kwargs: Any) -> list[Any]:
    """`workflow.get_tasks(**kwargs)`, as SpiffWorkflow's iterator would list them."""
    if (first_task is not None or not _FILTER_ONLY.issuperset(kwargs)
            or BpmnTaskIterator.__init__.__defaults__[_MAX_DEPTH] != UNBOUNDED):
        return list(_SPIFF_GET_TASKS(workflow, first_task, **kwargs))
    task_filter = BpmnTaskFilter(**kwargs)
    wanted = task_filter.state
    # TaskIterator.__init__: which tasks it descends into.
    if wanted & TaskState.PREDICTED_MASK:
        min_state = TaskState.MAYBE
    elif wanted & TaskState.DEFINITE_MASK:
        min_state = TaskState.FUTURE
    else:
        min_state = TaskState.COMPLETED
    # BpmnTaskIterator._next: a finished subprocess is skipped when only finished tasks are
    # wanted (as written there: a task's state compared with the whole finished mask).
    skips_finished = wanted <= TaskState.FINISHED_MASK
    subprocesses = workflow.top_workflow.subprocesses
    found = []
    stack = [workflow.task_tree]
    while stack:
        task = stack.pop()
        state = task._state  # noqa: SLF001 - as the filter reads it
        if state & wanted and task_filter.matches(task):
            found.append(task)
        subprocess = subprocesses.get(task.id) if subprocesses else None  # no UUID hash
        if subprocess is None:
            if task._children and state >= min_state:  # noqa: SLF001
                stack.extend(children_reversed(task))
            continue
        stack.extend(children_reversed(task))
        if not (state >= TaskState.FINISHED_MASK and skips_finished):
            stack.append(subprocess.task_tree)  # visited before the children
    return found


def waiting_tasks(workflow: Any) -> Iterator[Any]:
    """`TaskIterator(workflow.task_tree, state=WAITING)`, task by task: each task's children
    are taken when it is reached (before the caller sees it), as that iterator takes them."""
    stack = [workflow.task_tree]
    while stack:
        task = stack.pop()
        state = task._state  # noqa: SLF001 - as the filter reads it
        if task._children and state >= TaskState.FUTURE:  # noqa: SLF001 - as the iterator
            stack.extend(children_reversed(task))
        if state & TaskState.WAITING:
            yield task


def update_waiting_tasks(workflow: Any) -> None:
    """`Workflow.update_waiting_tasks`, walking with `waiting_tasks` (see the docstring)."""
    if TaskIterator.__init__.__defaults__[_MAX_DEPTH] != UNBOUNDED:
        _SPIFF_UPDATE_WAITING(workflow)
        return
    for task in waiting_tasks(workflow):
        task.task_spec._update(task)  # noqa: SLF001 - as SpiffWorkflow does


_SPIFF_UPDATE_WAITING = Workflow.update_waiting_tasks


def is_completed(workflow: Any) -> bool:
    """`Workflow.is_completed`: no task of the tree (subprocesses aside) is unfinished, found
    by a stack walk instead of its TaskIterator (remembered once true, as there)."""
    if workflow.completed:
        return True
    if TaskIterator.__init__.__defaults__[_MAX_DEPTH] != UNBOUNDED:
        return bool(_SPIFF_IS_COMPLETED(workflow))
    stack = [workflow.task_tree]
    while stack:
        task = stack.pop()
        if task._state & TaskState.NOT_FINISHED_MASK:  # noqa: SLF001 - as the filter
            return False
        if task._children:  # noqa: SLF001 - the iterator descends into every task
            stack.extend(map(task.workflow.tasks.get, task._children))  # noqa: SLF001
    workflow.completed = True
    return True


_SPIFF_IS_COMPLETED = Workflow.is_completed


def install() -> None:
    """Make `get_tasks` of every BPMN workflow and subprocess use `fast_get_tasks`, and every
    workflow's update of its waiting tasks and its finished check walk without an iterator."""
    BpmnBaseWorkflow.get_tasks = fast_get_tasks
    Workflow.update_waiting_tasks = update_waiting_tasks
    Workflow.is_completed = is_completed
