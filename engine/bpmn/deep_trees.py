"""Let SpiffWorkflow walk task trees of any depth, so a loop of any length runs as drawn.

Every pass through a loop adds its tasks *below* the previous pass (SpiffWorkflow keeps the
history as one tree), so a 4-element loop run 250 times is 1,000 levels deep. SpiffWorkflow
3.2 walks the tree with `TaskIterator(max_depth=1000)` by default, in `get_tasks`,
`is_completed`, `do_engine_steps`, joins and cancel: past that depth it sees no open task,
stops running and reports the workflow *completed*. Its ancestor checks
(`Task.is_descendant_of`, `Task.find_ancestor`, the parallel join's `remove_ancestor`)
recurse once per level and hit Python's recursion limit at about the same depth.

`lift_depth_limits()` (called when `engine.bpmn` is imported) removes the iterator's default
cap and makes those ancestor walks iterative. Within one command the tree still grows by a
few tasks per pass; across commands the saved state drops the finished passes
(engine.bpmn.history), so depth and time no longer add up with history.
`engine.runtime.state` also refuses to mark a workflow completed while any of its tasks is
still open, in case a future SpiffWorkflow brings a cap back.
"""

from __future__ import annotations

import sys
from typing import Any

from SpiffWorkflow.bpmn.specs.mixins.parallel_gateway import ParallelGateway
from SpiffWorkflow.bpmn.util.task import BpmnTaskIterator
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskIterator, TaskState

UNBOUNDED = sys.maxsize
SPIFF_DEFAULT_MAX_DEPTH = 1000


def _lift_default(cls: type) -> None:
    """Replace the default of `cls.__init__`'s `max_depth` parameter by UNBOUNDED."""
    init: Any = cls.__dict__["__init__"]
    code = init.__code__
    names = code.co_varnames[1:code.co_argcount]  # without self
    defaults = list(init.__defaults__ or ())
    index = names.index("max_depth") - (len(names) - len(defaults))
    if defaults[index] not in (SPIFF_DEFAULT_MAX_DEPTH, UNBOUNDED):
        # A SpiffWorkflow upgrade changed the iterator: look again before trusting this.
        raise RuntimeError(f"unexpected {cls.__name__} max_depth default {defaults[index]!r}")
    defaults[index] = UNBOUNDED
    init.__defaults__ = tuple(defaults)


def _is_descendant_of(self: Task, task: Task) -> bool:
    """Whether `task` is an ancestor of this task (SpiffWorkflow's, without recursion)."""
    parent = self.parent
    while parent is not None:
        if parent == task:
            return True
        parent = parent.parent
    return False


def _find_ancestor(self: Task, spec_name: str) -> Task | None:
    """The nearest ancestor whose spec is called `spec_name` (without recursion)."""
    parent = self.parent
    while parent is not None:
        if parent.task_spec.name == spec_name:
            return parent
        parent = parent.parent
    return None


def _parallel_join_ready(self: Any, my_task: Task) -> bool:
    """SpiffWorkflow 3.2's ParallelGateway._check_threshold_unstructured, with its recursive
    `remove_ancestor` walk made a loop: whether every input of the join has arrived."""
    tasks = my_task.workflow.get_tasks(spec_name=self.name)
    waiting_inputs = set(self.inputs)

    def remove_ancestor(task: Task | None) -> None:
        # Trace the task's parents up to the first one whose spec is a waiting input.
        while task is not None:
            if task.task_spec in waiting_inputs:
                waiting_inputs.remove(task.task_spec)
                return
            task = task.parent

    for task in tasks:
        if task.is_descendant_of(my_task):
            # The first pass through a join inside a loop: do not wait for the later passes.
            remove_ancestor(task)
        elif my_task.is_descendant_of(task):
            continue  # an earlier pass of the loop
        elif task.parent.state == TaskState.COMPLETED and task.parent.task_spec in waiting_inputs:
            waiting_inputs.remove(task.parent.task_spec)
    return len(waiting_inputs) == 0


def lift_depth_limits() -> None:
    """Make SpiffWorkflow's tree walks unbounded and its ancestor walks iterative (idempotent)."""
    _lift_default(TaskIterator)
    _lift_default(BpmnTaskIterator)
    Task.is_descendant_of = _is_descendant_of
    Task.find_ancestor = _find_ancestor
    ParallelGateway._check_threshold_unstructured = _parallel_join_ready
