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
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, TaskConverter
from SpiffWorkflow.bpmn.serializer.helpers.encoder import create_encoder
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.deep_merge import DeepMerge
from SpiffWorkflow.util.task import TaskState

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


class _TaskConverter(TaskConverter):
    """SpiffWorkflow's task converter, writing and reading the same dicts, with each task's
    parent looked up once instead of up to four times (a dict lookup on a UUID key, whose
    hash is Python code: a visible share of every save and restore)."""

    def to_dict(self, task: Task) -> dict[str, Any]:
        parent = task.workflow.tasks.get(task._parent)  # noqa: SLF001 - as the base class
        if parent is None:
            data, delta = task.data, {}
        else:
            data = {}
            delta = {"updates": DeepMerge.get_updated_keys(parent.data, task.data),
                     "deletions": DeepMerge.get_deleted_keys(parent.data, task.data)}
        return {
            "id": str(task.id),
            "parent": str(task._parent) if parent is not None else None,  # noqa: SLF001
            "children": [str(child) for child in task._children],  # noqa: SLF001
            "last_state_change": task.last_state_change,
            "state": task.state,
            "task_spec": task.task_spec.name,
            "triggered": task.triggered,
            "internal_data": self.registry.convert(task.internal_data),
            "data": data,
            "delta": delta,
        }

    def from_dict(self, dct: dict[str, Any], workflow: Any) -> Task:
        task_spec = workflow.spec.task_specs.get(dct["task_spec"])
        task = self.target_class(workflow, task_spec, state=dct["state"], id=UUID(dct["id"]))
        task._parent = UUID(dct["parent"]) if dct["parent"] is not None else None  # noqa: SLF001
        task._children = [UUID(child) for child in dct["children"]]  # noqa: SLF001
        task.last_state_change = dct["last_state_change"]
        task.triggered = dct["triggered"]
        task.internal_data = self.registry.restore(dct["internal_data"])
        if isinstance(task_spec, CatchingEvent) and task.has_state(TaskState.WAITING):
            task.workflow.top_workflow.event_manager.add_task(task)
        delta: dict[str, Any] = dct.get("delta") or {}
        parent = workflow.tasks.get(task._parent) if delta else None  # noqa: SLF001
        if parent is not None:
            data = DeepMerge.merge({}, parent.data)
            data.update(self.registry.restore(delta.get("updates", {})))
            for key in delta.get("deletions", {}):
                if key in data:
                    del data[key]
        else:
            data = self.registry.restore(dct["data"])
        task.data = data
        return task


def _make_registry() -> Any:
    config = dict(SPIFF_CONFIG)
    config[Task] = _TaskConverter
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
