"""Workflow state to JSON and back, without the spec (design.md invariant 3).

SpiffWorkflow's serializer writes the whole process spec into every saved state. keyflow
stores only the task tree and data; the spec comes from the per-version cache on restore.
Of the tree, only the part that can still matter is stored; the finished chain above it is
summarised in a `path` (engine.bpmn.history), so a state does not grow with every step.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.event_definition import (
    TimerConditionalEventDefinitionConverter,
)
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter
from SpiffWorkflow.bpmn.serializer.helpers.encoder import create_encoder
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from .history import Path, attach_path, path_of, prune
from .timers import CLOCK_TIMERS

STATE_FORMAT = "keyflow-state-2"  # with a pruned tree and its `path`
READABLE_FORMATS = ("keyflow-state-1", STATE_FORMAT)  # -1: the whole tree, no path


class _SpeclessWorkflowConverter(BpmnWorkflowConverter):
    """Writes a workflow without `spec`/`subprocess_specs`; restores onto given specs."""

    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        dct: dict[str, Any] = super(BpmnWorkflowConverter, self).to_dict(workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(
        self, dct: dict[str, Any], spec: Any = None, subprocess_specs: Any = None
    ) -> BpmnWorkflow:
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _make_registry() -> Any:
    config = dict(SPIFF_CONFIG)
    for twin in CLOCK_TIMERS.values():
        config[twin] = TimerConditionalEventDefinitionConverter
    config[BpmnWorkflow] = _SpeclessWorkflowConverter
    registry = BpmnWorkflowSerializer.configure(config)
    # Task data may hold these (form dates, scripts' Decimal arithmetic).
    registry.register(Decimal, lambda v: {"value": str(v)}, lambda v: Decimal(v["value"]))
    registry.register(date, lambda v: {"value": v.isoformat()},
                      lambda v: date.fromisoformat(v["value"]))
    return registry


class StateSerializer:
    """Dumps and loads a workflow's state as JSON text, never its spec."""

    def __init__(self) -> None:
        self.registry = _make_registry()
        self._encoder = create_encoder(self.registry)

    def dumps(self, workflow: BpmnWorkflow) -> str:
        """Serialize the live part of the task tree, data and pending events, and the path.

        The workflow itself is not changed: what is pruned is left out of the text only.
        """
        self.registry._encoder_mode = True
        try:
            dct = self.registry.convert(workflow)
        finally:
            self.registry._encoder_mode = False
        path = path_of(workflow).copy()
        prune(dct, workflow, path)
        dct["path"] = path.to_dict()
        dct["format"] = STATE_FORMAT
        return json.dumps(dct, cls=self._encoder, separators=(",", ":"))

    def loads(self, state: str, spec: Any, subprocess_specs: dict[str, Any]) -> BpmnWorkflow:
        """Rebuild a workflow from `state` on the (cached) spec it was started with."""
        dct = json.loads(state)
        if dct.pop("format", None) not in READABLE_FORMATS:
            raise ValueError("not a keyflow workflow state")
        path = Path.from_dict(dct.pop("path", None))
        workflow: BpmnWorkflow = self.registry.restore(
            dct, spec=spec, subprocess_specs=subprocess_specs
        )
        attach_path(workflow, path)
        return workflow

    def round_trip(self, value: Any) -> Any:
        """`value` as saving and restoring a state would give it back (task data)."""
        return self.registry.restore(json.loads(json.dumps(value, cls=self._encoder)))

    def to_jsonable(self, value: Any) -> Any:
        """Convert task data to plain JSON types for APIs and the audit log."""
        return json.loads(json.dumps(value, cls=self._encoder))
