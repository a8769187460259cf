"""How an instance ended: the `outcome` an end event declares, and the one an instance reached.

An end event names its outcome with the extension property
`<spiffworkflow:property name="outcome" value="rejected"/>`; deployment refuses a value not
in OUTCOMES (engine/deployment/checks.py). When the instance completes, the end event that
completed it last (among those of the top-level process that declare an outcome, else any)
is stored on the instance (`process_instance.outcome`), so lists read it without loading a
workflow. An end event that closes only a side path (the development's escalation) declares
none, so that it never stands for the whole instance.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.specs.defaults import EndEvent
from SpiffWorkflow.util.task import TaskState

from engine.i18n import N_

OUTCOME_PROPERTY = "outcome"

# kind -> its name (translated on use); the order is the one people read them in.
OUTCOMES: dict[str, str] = {
    "filed": N_("Filed"),
    "pooled": N_("Moved to the potential pool"),
    "rejected": N_("Rejected"),
    "cancelled": N_("Cancelled by the customer"),
    "declined": N_("Declined by the customer"),
    "done": N_("Done"),
}


def declared_outcome(task_spec: Any) -> str | None:
    """The `outcome` property of an end event's spec, if it declares one."""
    props = (getattr(task_spec, "extensions", None) or {}).get("properties", {})
    value = props.get(OUTCOME_PROPERTY)
    return str(value) if value is not None else None


def outcome_problem(task_spec: Any) -> str | None:
    """Why an element's `outcome` property cannot be used, or None."""
    value = declared_outcome(task_spec)
    if value is None:
        return None
    if not isinstance(task_spec, EndEvent):
        return "only end events declare an outcome"
    if value not in OUTCOMES:
        return (f"unknown outcome {value!r}; use one of {', '.join(OUTCOMES)}")
    return None


def reached_outcome(workflow: Any) -> dict[str, Any] | None:
    """The end event a completed workflow ended with, as stored on its instance."""
    from engine.deployment.compile import english_name  # its checks import this module

    ends = [task for task in workflow.get_tasks(state=TaskState.COMPLETED)
            if task.workflow is workflow and isinstance(task.task_spec, EndEvent)
            and getattr(task.task_spec, "bpmn_id", None)]
    if not ends:
        return None
    declaring = [task for task in ends if declared_outcome(task.task_spec) in OUTCOMES]
    task = max(declaring or ends, key=lambda t: t.last_state_change)
    spec = task.task_spec
    return {
        "id": spec.bpmn_id,
        "name": spec.bpmn_name or spec.bpmn_id,
        "name_en": english_name(getattr(spec, "documentation", None))
        or spec.bpmn_name or spec.bpmn_id,
        "kind": declared_outcome(spec) if declaring else None,
    }
