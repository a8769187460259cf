"""An instance's failure, said once: why, at which element, when (its `error` column).

Whatever goes wrong while a command runs an instance — a script, a timer value, a broken
multi-instance, an endless loop, a state that cannot be saved or loaded — ends up here and
becomes the instance's `error` status with an `instance_error` audit event, never an
exception out of a command or a tick. Database errors and keyflow's own deliberate errors
(Conflict, InvalidData, …) are not failures of the instance and are never caught as such.
"""

from __future__ import annotations

from datetime import datetime
from types import TracebackType
from typing import Any

from SpiffWorkflow.task import Task
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from engine.audit import record
from engine.errors import KeyflowError
from engine.models import InstanceStatus, ProcessInstance, User

REASON_LIMIT = 500  # characters of an exception's text kept in the reason

# Raised through to the caller: the database's own trouble and keyflow's deliberate refusals.
NOT_INSTANCE_FAILURES: tuple[type[BaseException], ...] = (SQLAlchemyError, KeyflowError)


class InstanceFailure(Exception):
    """A failure keyflow itself detects in an instance; its text is the reason as is."""


class StateUnreadable(InstanceFailure):
    """The instance's saved state cannot be restored (damaged, or not a keyflow state)."""

    def __init__(self, instance_id: int, cause: BaseException) -> None:
        super().__init__(f"the saved state of instance {instance_id} cannot be loaded "
                         f"({_text_of(cause)})")
        self.instance_id = instance_id


class EndedEarly(InstanceFailure):
    """SpiffWorkflow called the workflow completed while one of its tasks is still open."""

    def __init__(self, task: Any) -> None:
        name = getattr(task.task_spec, "bpmn_id", None) or task.task_spec.name
        super().__init__(f"SpiffWorkflow reported the process finished while {name!r} is "
                         "still open; the instance was stopped instead of being completed")
        self.task = task


class UnstorableData(InstanceFailure):
    """Task data holds something the saved state could not give back as it was."""

    def __init__(self, task: Any, path: str) -> None:
        name = getattr(task.task_spec, "bpmn_id", None) or task.task_spec.name
        super().__init__(f"the data of {name!r} holds the name 'typename' (at {path}), which "
                         "keyflow's saved state reserves; nothing of this step was saved")
        self.task = task


def _text_of(err: BaseException) -> str:
    text = str(err).strip()
    return f"{type(err).__name__}: {text}" if text else type(err).__name__


def failure_details(err: BaseException, now: datetime, running: Any = None) -> dict[str, Any]:
    """The `error` JSON of an instance that failed with `err` while `running` (a Spiff task)."""
    said = isinstance(err, InstanceFailure) or type(err).__module__.startswith("SpiffWorkflow")
    reason = str(err) if said else _text_of(err)
    return {
        "reason": reason[:REASON_LIMIT],
        "element_id": _element_id(err, running),
        "notes": [str(note)[:REASON_LIMIT] for note in getattr(err, "notes", None) or []],
        "at": now.isoformat(),
    }


def _element_id(err: BaseException, running: Any) -> str | None:
    """The BPMN id of the element that failed: the task the error names, else the innermost
    task SpiffWorkflow was working on when it was raised, else the task being run."""
    for task in (getattr(err, "task", None), _innermost_task(err.__traceback__), running):
        bpmn_id = getattr(getattr(task, "task_spec", None), "bpmn_id", None)
        if bpmn_id:
            return str(bpmn_id)
    # SpiffWorkflow's WorkflowException names a spec rather than a task.
    bpmn_id = getattr(getattr(err, "task_spec", None), "bpmn_id", None)
    return str(bpmn_id) if bpmn_id else None


def _innermost_task(tb: TracebackType | None) -> Any:
    """SpiffWorkflow's spec methods take the task they work on as `my_task`."""
    found = None
    while tb is not None:
        candidate = tb.tb_frame.f_locals.get("my_task")
        if isinstance(candidate, Task):
            found = candidate
        tb = tb.tb_next
    return found


def mark_failed(session: Session, instance: ProcessInstance, details: dict[str, Any], *,
                now: datetime, actor: User | None) -> None:
    """Put the instance into `error` with `details` and audit it (its state is not touched)."""
    instance.status = InstanceStatus.ERROR
    instance.error = details
    instance.next_wakeup_at = None
    record(session, "instance_error", at=now, actor=actor, instance=instance, data=details)
