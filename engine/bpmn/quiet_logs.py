"""SpiffWorkflow's log lines, built only when their logger would write them.

SpiffWorkflow 3.2 builds the `extra` fields of a log line before it calls the logger, so
the work is done even when the line is dropped: every task state change (dozens per
command) names its new state (`TaskState.get_name` builds a dict per call) and collects
nine fields of the task, and a workflow's start and end collect its own fields, which
include the id of every task of its tree (a walk with SpiffWorkflow's iterator) whenever
the `spiff.workflow` logger has no level of its own — the usual case: keyflow sets the
level of `spiff` (engine.observability.logs), which its children inherit.

`install()` replaces `Task._set_state` by the same code with the line built only when
`spiff.task` is enabled for its level, and makes `Workflow.collect_log_extras` skip its
fields when `spiff.workflow` would not write an INFO line (its only callers write INFO
lines). A logger that is enabled gets exactly the lines and fields it got before
(tests/engine/test_quiet_logs.py compares them with SpiffWorkflow's own).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from SpiffWorkflow import Workflow
from SpiffWorkflow.task import Task
from SpiffWorkflow.task import logger as task_logger
from SpiffWorkflow.util.task import TaskState
from SpiffWorkflow.workflow import logger as workflow_logger

SPIFF_SET_STATE = Task._set_state  # noqa: SLF001 - kept for the tests' comparison
SPIFF_WORKFLOW_EXTRAS = Workflow.collect_log_extras


def _set_state(self: Task, value: int) -> None:
    """Force set the state on a task (SpiffWorkflow's, its log line built only if written)."""
    if value != self._state:
        elapsed = time.time() - self.last_state_change
        self.last_state_change = time.time()
        self._state = value
        if task_logger.isEnabledFor(logging.INFO):
            task_logger.info(f"State changed to {TaskState.get_name(value)}",
                             extra=self.collect_log_extras({"elapsed": elapsed}))
    elif task_logger.isEnabledFor(logging.DEBUG):
        task_logger.debug(f"State set to {TaskState.get_name(value)}",
                          extra=self.collect_log_extras())


def _workflow_log_extras(self: Workflow, dct: dict[str, Any] | None = None) -> dict[str, Any]:
    """The fields of a workflow's INFO line; none when `spiff.workflow` drops INFO lines."""
    if not workflow_logger.isEnabledFor(logging.INFO):
        return dct or {}
    return SPIFF_WORKFLOW_EXTRAS(self, dct)


def install() -> None:
    """Build SpiffWorkflow's task and workflow log lines only when they are written."""
    Task._set_state = _set_state  # noqa: SLF001
    Workflow.collect_log_extras = _workflow_log_extras
