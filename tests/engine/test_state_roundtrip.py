"""Save/restore in the middle of every test process: the state survives unchanged and the
run ends the same as one that never left memory."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from process_runs import RUNS as ALL_RUNS
from process_runs import new_workflow
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from engine.bpmn.serializer import StateSerializer
from engine.runtime.latest_data import data_of

# every shared run but deep_join, whose depth test_long_loops saves and restores on its own
RUNS = {key: run for key, run in ALL_RUNS.items() if key != "deep_join"}


def drive(key: str, folder: str, restore_every_step: bool) -> tuple[BpmnWorkflow, list[str]]:
    process, workflow = new_workflow(folder, key)
    serializer = StateSerializer()
    engine = workflow.script_engine
    workflow.do_engine_steps()
    done: list[str] = []
    submitted = RUNS[key][1]
    while True:
        if restore_every_step:
            state = serializer.dumps(workflow)
            workflow = serializer.loads(state, process.spec, process.subprocess_specs)
            workflow.script_engine = engine
            assert serializer.dumps(workflow) == state  # restored state is identical
        ready = workflow.get_tasks(state=TaskState.READY, manual=True)
        if not ready:
            break
        task = ready[0]
        task.data.update(submitted.get(task.task_spec.bpmn_id, {}))
        task.run()
        workflow.do_engine_steps()
        done.append(task.task_spec.bpmn_id)
    return workflow, done


@pytest.mark.parametrize("key", sorted(RUNS))
def test_restored_run_matches_in_memory_run(key):
    folder = RUNS[key][0]
    memory, memory_steps = drive(key, folder, restore_every_step=False)
    restored, restored_steps = drive(key, folder, restore_every_step=True)
    assert memory.is_completed() and restored.is_completed()
    assert memory_steps == restored_steps
    assert memory.last_task.data == restored.last_task.data


def test_state_holds_no_spec():
    _, workflow = new_workflow("approval", "approval")
    workflow.do_engine_steps()
    state = json.loads(StateSerializer().dumps(workflow))
    assert "spec" not in state and "subprocess_specs" not in state
    text = json.dumps(state)
    assert "task_specs" not in text and "net_value = amount" not in text  # no spec inside


def test_decimal_and_date_data_survive():
    process, workflow = new_workflow("five_steps", "five_steps")
    serializer = StateSerializer()
    workflow.do_engine_steps()
    task = workflow.get_tasks(state=TaskState.READY, manual=True)[0]
    from datetime import date

    task.data.update({"price": Decimal("12.50"), "day": date(2026, 5, 1)})
    again = serializer.loads(serializer.dumps(workflow), process.spec, process.subprocess_specs)
    restored = again.get_task_from_id(task.id)
    assert restored.data["price"] == Decimal("12.50")
    assert restored.data["day"] == date(2026, 5, 1)


@pytest.mark.parametrize("key", sorted(RUNS))
def test_the_data_a_command_keeps_is_what_its_saved_state_gives_back(key):
    """engine.runtime.latest_data: a command keeps the page's data of the state it saved,
    taken from the workflow in memory; it must equal the data read from the saved text."""
    process, workflow = new_workflow(RUNS[key][0], key)
    serializer = StateSerializer()
    workflow.do_engine_steps()
    compared = 0
    extra = {"amount_exact": Decimal("12.50"), "pair": (1, 2)}
    while True:
        state = serializer.dumps(workflow)
        in_memory = data_of(workflow, single=True)
        if in_memory is not None:
            kept = serializer.round_trip(in_memory)
            restored = serializer.loads(state, process.spec, process.subprocess_specs)
            assert kept == data_of(restored)
            compared += 1
        ready = workflow.get_tasks(state=TaskState.READY, manual=True)
        if not ready:
            break
        ready[0].data.update(RUNS[key][1].get(ready[0].task_spec.bpmn_id, {}), **extra)
        ready[0].run()
        workflow.do_engine_steps()
    assert compared >= 2


@pytest.mark.parametrize("key", sorted(RUNS))
def test_the_task_converter_writes_and_reads_what_spiffworkflows_own_does(key):
    """engine.bpmn.serializer's task converter only looks each parent up once: the state it
    writes, and the workflow it restores, are SpiffWorkflow's own converter's, at every step."""
    from SpiffWorkflow.bpmn.serializer.default.workflow import TaskConverter
    from SpiffWorkflow.task import Task

    process, workflow = new_workflow(RUNS[key][0], key)
    ours, stock = StateSerializer(), StateSerializer()
    stock.registry.register(Task, TaskConverter(Task, stock.registry).to_dict,
                            TaskConverter(Task, stock.registry).from_dict)
    assert ours.registry.convert_to_dict["Task"].args[1].__func__ is not TaskConverter.to_dict
    workflow.do_engine_steps()
    submitted = RUNS[key][1]
    while True:
        state = ours.dumps(workflow)
        assert state == stock.dumps(workflow)
        again = ours.loads(state, process.spec, process.subprocess_specs)
        assert stock.dumps(again) == stock.dumps(
            stock.loads(state, process.spec, process.subprocess_specs)) == state
        ready = workflow.get_tasks(state=TaskState.READY, manual=True)
        if not ready:
            break
        ready[0].data.update(submitted.get(ready[0].task_spec.bpmn_id, {}))
        ready[0].run()
        workflow.do_engine_steps()
