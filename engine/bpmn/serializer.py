"""Workflow state to JSON and back, without the spec (design.md invariant 3).

SpiffWorkflow's serializer writes the whole process spec into every saved state. keyflow
stores only the task tree and data; the spec comes from the per-version cache on restore.
Of the tree, only the part that can still matter is stored; the finished chain above it is
summarised in a `path` (engine.bpmn.history), so a state does not grow with every step.
"""

from __future__ import annotations

import json
from copy import copy
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
from SpiffWorkflow.util.task import TaskState

from .history import Path, attach_path, path_of, prune
from .task_ids import IdsRead, IdTexts, id_texts, remember_texts
from .timers import CLOCK_TIMERS

STATE_FORMAT = "keyflow-state-2"  # with a pruned tree and its `path`
READABLE_FORMATS = ("keyflow-state-1", STATE_FORMAT)  # -1: the whole tree, no path


_PLAIN = frozenset({str, int, float, bool, type(None)})  # what restoring leaves as it is


class _SpeclessWorkflowConverter(BpmnWorkflowConverter):
    """Writes a workflow without `spec`/`subprocess_specs`; restores onto given specs.

    With keyflow's own task converter registered, the task tree is written and read here in
    one loop, each task id parsed and written as text once (engine.bpmn.task_ids): the same
    dicts as SpiffWorkflow's converters make (tests/engine/test_state_roundtrip.py compares
    the text with theirs at every step); with any other task converter, theirs do it.
    """

    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        own = _own(self.registry.convert_to_dict.get("Task"), _TaskConverter.to_dict)
        if own is not None and self.registry._encoder_mode:  # noqa: SLF001 - only dumps
            dct = self._workflow_dict(workflow, own)
        else:
            dct = super(BpmnWorkflowConverter, self).to_dict(workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def _workflow_dict(self, workflow: BpmnWorkflow, own: _TaskConverter) -> dict[str, Any]:
        """WorkflowConverter.to_dict in encoder mode, each task written by `own`."""
        registry = self.registry
        texts = id_texts(workflow)
        last_task = workflow.last_task
        target, typename = own.target_class, own.typename
        return {
            "data": registry.convert(registry.clean(workflow.data)),
            "correlations": workflow.correlations,
            "last_task": texts[last_task.id] if last_task is not None else None,
            "success": workflow.success,
            "completed": workflow.completed,
            "tasks": {texts[task_id]: own.task_dict(task, texts, typename)
                      if task.__class__ is target else registry.convert(task)
                      for task_id, task in workflow.tasks.items()},
            "root": texts[workflow.task_tree.id],
        }

    def from_dict(
        self, dct: dict[str, Any], spec: Any = None, subprocess_specs: Any = None
    ) -> BpmnWorkflow:
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        own = _own(self.registry.convert_from_dict.get("Task"), _TaskConverter.from_dict)
        ids = IdsRead()
        if own is None:
            workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        else:
            restore = self.registry.restore
            workflow.tasks = {
                ids[key]: own.read(value, workflow, ids)
                if type(value) is dict and value.get("typename") == own.typename
                else restore(value, workflow=workflow)
                for key, value in dct["tasks"].items()}
        workflow.task_tree = workflow.tasks.get(ids[dct["root"]])
        # WorkflowConverter.set_default_attributes, with the ids read above
        workflow.success = dct["success"]
        workflow.completed = dct.get("completed", False)
        workflow.correlations = dct.pop("correlations", {})
        if isinstance(dct["last_task"], str):
            workflow.last_task = workflow.tasks.get(ids[dct["last_task"]])
        workflow.data = self.registry.restore(dct.pop("data", {}))
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        remember_texts(workflow, ids.texts)
        return workflow


class _TaskConverter(TaskConverter):
    """SpiffWorkflow's task converter, writing and reading the same dicts, with each task's
    parent looked up once instead of up to four times (a dict lookup on a UUID key, whose
    hash is Python code: a visible share of every save and restore), each id's text made
    once and each id parsed once (engine.bpmn.task_ids)."""

    def to_dict(self, task: Task) -> dict[str, Any]:
        return self.task_dict(task, id_texts(task.workflow), None)

    def task_dict(self, task: Task, texts: IdTexts, typename: str | None) -> dict[str, Any]:
        """TaskConverter.to_dict, ids written from `texts`, `typename` added if given."""
        parent = task.workflow.tasks.get(task._parent)  # noqa: SLF001 - as the base class
        if parent is None:
            data, delta = task.data, {}
        else:
            data, base, now = {}, parent.data, task.data
            # DeepMerge.get_updated_keys and get_deleted_keys
            delta = {"updates": {key: now[key] for key in now
                                 if key not in base or now[key] != base[key]},
                     "deletions": [key for key in base if key not in now]}
        internal = task.internal_data
        dct = {
            "id": texts[task.id],
            "parent": texts[task._parent] if parent is not None else None,  # noqa: SLF001
            "children": [texts[child] for child in task._children],  # noqa: SLF001
            "last_state_change": task.last_state_change,
            "state": task._state,  # noqa: SLF001 - the `state` property's value
            "task_spec": task.task_spec.name,
            "triggered": task.triggered,
            "internal_data": ({} if type(internal) is dict and not internal
                              else self.registry.convert(internal)),
            "data": data,
            "delta": delta,
        }
        if typename is not None:
            dct["typename"] = typename  # as the registry's _obj_to_dict adds it
        return dct

    def from_dict(self, dct: dict[str, Any], workflow: Any) -> Task:
        return self.read(dct, workflow, IdsRead())

    def read(self, dct: dict[str, Any], workflow: Any, ids: IdsRead) -> Task:
        """TaskConverter.from_dict, the ids parsed through `ids`."""
        task_spec = workflow.spec.task_specs.get(dct["task_spec"])
        task = self.target_class(workflow, task_spec, state=dct["state"], id=ids[dct["id"]])
        parent_id = dct["parent"]
        task._parent = ids[parent_id] if parent_id is not None else None  # noqa: SLF001
        task._children = [ids[child] for child in dct["children"]]  # noqa: SLF001
        task.last_state_change = dct["last_state_change"]
        task.triggered = dct["triggered"]
        task.internal_data = restore_value(self.registry, dct["internal_data"])
        if isinstance(task_spec, CatchingEvent) and task._state & TaskState.WAITING:  # noqa: SLF001
            task.workflow.top_workflow.event_manager.add_task(task)
        delta: dict[str, Any] = dct.get("delta") or {}
        parent = workflow.tasks.get(task._parent) if delta else None  # noqa: SLF001
        if parent is not None:
            # DeepMerge.merge({}, parent.data): a shallow copy of each mutable value
            data = {key: copy(value) if isinstance(value, dict | list | set) else value
                    for key, value in parent.data.items()}
            data.update(restore_value(self.registry, delta.get("updates", {})))
            for key in delta.get("deletions", {}):
                if key in data:
                    del data[key]
        else:
            data = restore_value(self.registry, dct["data"])
        task.data = data
        return task


def restore_value(registry: Any, value: Any) -> Any:
    """`registry.restore(value)` for a value read from JSON, without a call per plain item."""
    kind = type(value)
    if kind is dict:
        if "typename" in value:
            return registry.restore(value)
        return {key: item if type(item) in _PLAIN else restore_value(registry, item)
                for key, item in value.items()}
    if kind is list:
        return [item if type(item) in _PLAIN else restore_value(registry, item)
                for item in value]
    return registry.restore(value)


def _own(entry: Any, method: Any) -> Any:
    """The converter whose `method` a registry entry (a partial of it, bound) calls, or None:
    the fast paths are taken only while keyflow's own converter is the one registered."""
    args = getattr(entry, "args", None)
    bound: Any = args[-1] if args else None
    return bound.__self__ if getattr(bound, "__func__", None) is method else None


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
        self._encode = self._encoder(separators=(",", ":")).encode  # json.dumps's, kept

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
        return self._encode(dct)

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
        return restore_value(self.registry, json.loads(self._encode(value)))

    def to_jsonable(self, value: Any) -> Any:
        """Convert task data to plain JSON types for APIs and the audit log."""
        return json.loads(json.dumps(value, cls=self._encoder))
