"""How an instance ended: the `outcome` an end event declares, and the one an instance reached.

An end event names its outcome with the extension property
`<spiffworkflow:property name="outcome" value="rejected"/>`; deployment refuses a value not
in OUTCOMES (engine/deployment/checks.py). When the instance completes, the end event that
completed it last (among those of the top-level process that declare an outcome, else any)
is stored on the instance (`process_instance.outcome`), so lists read it without loading a
workflow, and its owner is told by mail unless they ended it themselves. An end event that
closes only a side path (the development's escalation) declares none, so that it never
stands for the whole instance.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn.specs.defaults import EndEvent
from SpiffWorkflow.util.task import TaskState
from sqlalchemy.orm import Session

from engine.i18n import N_, Texts, texts_for
from engine.models import ProcessInstance, User
from engine.outbox import queue_notification

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


def outcome_name(outcome: dict[str, Any] | None, t: Texts) -> str:
    """How people read an outcome: its kind's name, else its end event's name."""
    if not outcome:
        return ""
    kind = outcome.get("kind")
    if isinstance(kind, str) and kind in OUTCOMES:
        return t._(OUTCOMES[kind])
    return t.name(outcome.get("name"), outcome.get("name_en"))


def ended_text(instance: ProcessInstance, language: str) -> tuple[str, str]:
    """Subject and body of the 'your instance has ended' mail to its owner."""
    t = texts_for(language)
    process = t.name(instance.definition.name, instance.definition.name_en)
    outcome = outcome_name(instance.outcome, t)
    step = t.name((instance.outcome or {}).get("name"), (instance.outcome or {}).get("name_en"))
    customer = instance.customer_name or "—"
    return (t._("{process} ended: {outcome} ({customer})", process=process, outcome=outcome,
                customer=customer),
            t._("{process} for {customer} (instance {instance}) has ended: {outcome}, at the "
                "step \"{step}\".", process=process, customer=customer,
                instance=instance.id, outcome=outcome, step=step))


def notify_owner(session: Session, instance: ProcessInstance, *, actor: User | None,
                 now: datetime) -> None:
    """Tell the instance's owner how it ended, unless they ended it themselves."""
    owner = instance.owner
    if owner is None or not owner.active or (actor is not None and actor.id == owner.id):
        return
    subject, body = ended_text(instance, owner.language)
    queue_notification(session, key=f"instance:{instance.id}:ended", recipient=owner,
                       kind="instance_ended", subject=subject, body=body, now=now,
                       instance_id=instance.id)
