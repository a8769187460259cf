"""Every command is bounded in engine steps, so no diagram runs forever (issue 9, item 10).

A command runs SpiffWorkflow until every path waits for a person, a timer or a message. A
loop whose condition never turns, or a process that calls itself, would run on forever while
holding the instance's row lock (and SQLite's single write lock). `StepBudget` counts the
tasks SpiffWorkflow runs in one command and stops the run past the limits below; the
instance then goes to `error` with the element it was about to run.

The limits are generous for keyflow's processes (a command runs a few dozen steps; a
multi-instance over a few hundred items still fits) and keep a runaway finite, but not
short in every shape: SpiffWorkflow's cost per step grows with the instance's task tree.
Measured at rest on the 2-core test machine, 1,000 steps of a tight loop take about 1 s,
but 1,000 steps of a loop through a parallel join about 12 s (its join scans all earlier
passes); SQLite's other writers wait 10 s for the lock (engine.db), then get a Conflict.
This is not a time limit; each script is also bounded by the sandbox's own time limit.
"""

from __future__ import annotations

from typing import Any

from .failures import InstanceFailure

MAX_ENGINE_STEPS = 1_000  # task runs in one command
MAX_CALL_DEPTH = 10  # call activities nested in each other (a process calling itself)


class TooManySteps(InstanceFailure):
    """The command ran more engine steps than MAX_ENGINE_STEPS (an endless loop?)."""

    def __init__(self, limit: int, task: Any) -> None:
        super().__init__(f"ran more than {limit} steps in one command; "
                         "does a loop never end?")
        self.task = task


class CallsTooDeep(InstanceFailure):
    """Call activities nested deeper than MAX_CALL_DEPTH (a process calling itself?)."""

    def __init__(self, limit: int, task: Any) -> None:
        super().__init__(f"call activities nested more than {limit} deep; "
                         "does a process call itself?")
        self.task = task


class StepBudget:
    """SpiffWorkflow's `will_complete_task` callback: counts steps, remembers the current one."""

    def __init__(self, steps: int = MAX_ENGINE_STEPS, call_depth: int = MAX_CALL_DEPTH) -> None:
        self.steps = steps
        self.call_depth = call_depth
        self.used = 0
        self.current: Any = None

    def __call__(self, task: Any) -> None:
        """Charge one step for `task`, about to run; raise once a limit is passed."""
        self.current = task
        self.used += 1
        if self.used > self.steps:
            raise TooManySteps(self.steps, task)
        if getattr(task.workflow, "depth", 0) > self.call_depth:
            raise CallsTooDeep(self.call_depth, task)
