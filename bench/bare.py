"""Bare SpiffWorkflow: the reference every keyflow figure is divided by.

Exactly the reference of ../shared/bench/README.md: the same diagram parsed once, then per
instance SpiffWorkflow's own serializer (spec included) with a JSON serialize/deserialize
round trip per step — create, run to the first wait, save; then for every user task:
restore, complete it with the step's data, run to the next wait, save. No database, no HTTP.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

# The data a user task is completed with, given the number of tasks completed before it.
StepData = Callable[[int], dict[str, Any]]


@dataclass
class BareRun:
    """Totals of one bare run."""

    instances: int
    completions: int
    cpu_s: float
    wall_s: float
    completed_tasks: list[str]  # bpmn ids of the last instance, in order

    @property
    def cpu_ms_per_instance(self) -> float:
        """CPU milliseconds per instance, the denominator of keyflow's cpu_ratio."""
        return self.cpu_s * 1000 / self.instances


class BareReference:
    """The reference, parsed and warmed once, run in as many parts as asked (`run`)."""

    def __init__(self, folder: Path, process_id: str, step_data: StepData,
                 warmup: int = 5) -> None:
        parser = SpiffBpmnParser()
        parser.add_bpmn_files([str(p) for p in sorted(folder.glob("*.bpmn"))])
        self.spec = parser.get_spec(process_id)
        self.serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
        self.step_data = step_data
        for _ in range(warmup):
            _one_instance(self.spec, self.serializer, step_data)

    def run(self, n: int) -> BareRun:
        """Run `n` timed instances."""
        completions, done = 0, []
        cpu, wall = time.process_time(), time.perf_counter()
        for _ in range(n):
            done = _one_instance(self.spec, self.serializer, self.step_data)
            completions += len(done)
        return BareRun(n, completions, time.process_time() - cpu, time.perf_counter() - wall,
                       done)


def run_bare(folder: Path, process_id: str, n: int, step_data: StepData,
             warmup: int = 5) -> BareRun:
    """Run `warmup` untimed and then `n` timed instances of `process_id` from `folder`."""
    return BareReference(folder, process_id, step_data, warmup).run(n)


def _one_instance(spec: Any, serializer: BpmnWorkflowSerializer, step_data: StepData
                  ) -> list[str]:
    workflow = BpmnWorkflow(spec)
    workflow.do_engine_steps()
    state = serializer.serialize_json(workflow)
    done: list[str] = []
    while True:
        workflow = serializer.deserialize_json(state)
        ready = workflow.get_tasks(state=TaskState.READY, manual=True)
        if not ready:
            return done
        ready[0].data.update(step_data(len(done)))
        ready[0].run()
        done.append(ready[0].task_spec.bpmn_id)
        workflow.do_engine_steps()
        state = serializer.serialize_json(workflow)
