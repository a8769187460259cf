"""A process's start form: the `formKey` property of its plain (none) start event.

When a process needs data to start (the visit needs its customer), its start event names a
form like a user task does; the start command validates the start data against it (see
engine.runtime.instances) instead of only the generic limits of engine.runtime.data_limits.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.simple import NoneEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent

from engine.errors import Problem
from engine.i18n import N_


def start_form_key(spec: Any) -> str | None:
    """The form key of the process's plain start event, if it names one."""
    for task_spec in spec.task_specs.values():
        if isinstance(task_spec, StartEvent) and isinstance(
                task_spec.event_definition, NoneEventDefinition):
            key = ((task_spec.extensions or {}).get("properties") or {}).get("formKey")
            if key:
                return str(key)
    return None


def start_form_problems(spec: Any, forms: dict[str, dict[str, Any]]) -> list[Problem]:
    """A problem when the start event names a form the bundle does not have."""
    key = start_form_key(spec)
    if key is None or key in forms:
        return []
    element = next(ts.bpmn_id for ts in spec.task_specs.values() if isinstance(ts, StartEvent)
                   and ((ts.extensions or {}).get("properties") or {}).get("formKey") == key)
    return [Problem.said(spec.file, element, N_(
        "start form '{key}' not found: the bundle needs forms/{key}.json"), key=key)]
