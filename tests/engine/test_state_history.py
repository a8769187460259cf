"""The saved state keeps only the live part of the task tree (engine.bpmn.history, issue 12).

Every process is run twice side by side: once in memory (SpiffWorkflow's whole tree, never
serialized) and once saved and restored at every step (pruned). After each step both must
agree on everything that can still matter — the unfinished tasks with their data, the
diagram's completed elements and taken flows, how the run ends — while the saved state of a
loop stops growing with its rounds.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

from engine.bpmn.history import path_of
from engine.bpmn.serializer import StateSerializer
from engine.clock import MovableClock
from engine.deployment import Bundle, compile_bundle
from engine.models import HumanTask
from engine.queries.instances import element_states, workflow_states
from engine.runtime.state import restore
from engine.sandbox import SandboxedScriptEngine

DATA = Path(__file__).parents[1] / "data"
Answer = Callable[[str, int], dict[str, Any]]  # (bpmn id, user steps so far) -> submitted data

RUNS: dict[str, tuple[str, dict[str, Any], Answer]] = {
    # key: (folder, start data, answers)
    "approval": ("approval", {}, lambda bpmn_id, n: {
        "submit": {"title": "t", "amount": 10, "costs": 4},
        "review": {"decision": "approve"}}.get(bpmn_id, {})),
    "parallel": ("parallel", {}, lambda bpmn_id, n: {}),
    "classify": ("classify", {}, lambda bpmn_id, n: {"volume": 6000, "credit": "good"}),
    "call_parent": ("call", {}, lambda bpmn_id, n: {}),
    "five_steps": ("five_steps", {}, lambda bpmn_id, n: {}),
    "loop_back": ("loop_back", {"laps": 0, "target": 2, "more": 3},
                  lambda bpmn_id, n: {"again": n < 25}),
    "review_loop": ("review_loop", {"laps": 0}, lambda bpmn_id, n: {"again": n < 40}),
}


def unfinished(workflow: BpmnWorkflow) -> list[tuple[str, int, str]]:
    """Every task that is not completed, as (spec, state, data), in a stable order."""
    return sorted((t.task_spec.name, t.state, json.dumps(t.data, sort_keys=True, default=str))
                  for t in workflow.get_tasks() if t.state != TaskState.COMPLETED)


def completed_count(workflow: BpmnWorkflow) -> int:
    return len(workflow.get_tasks(state=TaskState.COMPLETED))


def as_sets(workflow: BpmnWorkflow) -> tuple[set[str], set[str], set[tuple[str, str]]]:
    states = workflow_states(workflow, still_running=True)
    return set(states.completed), set(states.active), set(states.taken)


class Twins:
    """The same process in memory and through save-and-restore, given the same input."""

    def __init__(self, key: str, start: dict[str, Any]) -> None:
        folder = RUNS[key][0]
        compiled, problems = compile_bundle(Bundle.from_folder(DATA / folder))
        assert not problems
        self.process = compiled[key]
        self.clock = MovableClock()
        self.engine = SandboxedScriptEngine(clock=self.clock, time_limit=10.0)
        self.serializer = StateSerializer()
        self.memory = self._started(start)
        self.saved = self.serializer.dumps(self._started(start))
        self.sizes: list[int] = [len(self.saved)]

    def _started(self, start: dict[str, Any]) -> BpmnWorkflow:
        workflow = BpmnWorkflow(self.process.spec, self.process.subprocess_specs,
                                script_engine=self.engine)
        for task in workflow.get_tasks(state=TaskState.READY):
            task.data.update(start)
        workflow.do_engine_steps()
        return workflow

    def restored(self) -> BpmnWorkflow:
        workflow = self.serializer.loads(self.saved, self.process.spec,
                                         self.process.subprocess_specs)
        workflow.script_engine = self.engine
        assert self.serializer.dumps(workflow) == self.saved  # restoring changes nothing
        return workflow

    def check(self) -> BpmnWorkflow:
        """Restore the saved twin and compare it with the one in memory."""
        restored = self.restored()
        assert unfinished(restored) == unfinished(self.memory)
        assert completed_count(restored) + path_of(restored).pruned == completed_count(
            self.memory)
        assert as_sets(restored) == as_sets(self.memory)
        assert restored.is_completed() == self.memory.is_completed()
        return restored

    def step(self, act: Callable[[BpmnWorkflow], None]) -> None:
        """Do the same to both twins; save the restored one again."""
        restored = self.check()
        for workflow in (self.memory, restored):
            act(workflow)
        self.saved = self.serializer.dumps(restored)
        self.sizes.append(len(self.saved))


def complete_first_ready(answer: Answer, done: int) -> Callable[[BpmnWorkflow], None]:
    def act(workflow: BpmnWorkflow) -> None:
        task = workflow.get_tasks(state=TaskState.READY, manual=True)[0]
        task.data.update(answer(task.task_spec.bpmn_id, done))
        task.run()
        workflow.do_engine_steps()
    return act


def run_to_end(key: str) -> Twins:
    _folder, start, answer = RUNS[key]
    twins = Twins(key, start)
    done = 0
    while twins.memory.get_tasks(state=TaskState.READY, manual=True):
        twins.step(complete_first_ready(answer, done))
        done += 1
    twins.check()
    return twins


@pytest.mark.parametrize("key", sorted(RUNS))
def test_a_pruned_run_restored_at_every_step_matches_the_run_in_memory(key):
    twins = run_to_end(key)
    assert twins.memory.is_completed()
    assert twins.restored().last_task.data == twins.memory.last_task.data


def test_a_loops_saved_state_stops_growing():
    twins = run_to_end("loop_back")
    rounds = twins.sizes[3:-1]  # the rounds of the loop, once it has started
    assert len(rounds) > 20
    assert max(rounds) - min(rounds) < 100  # bytes: the data's own numbers grow a digit
    assert path_of(twins.restored()).pruned > 100


def test_rounds_through_joins_and_boundary_events_still_prune_their_chain():
    # What a join needs stays (its tasks, their parents, the splits it looks up): such a
    # loop's state still grows, but far slower than the whole tree.
    twins = run_to_end("review_loop")
    restored = twins.restored()
    assert path_of(restored).pruned > 40
    assert completed_count(restored) < completed_count(twins.memory) * 0.8


def test_a_boundary_timer_fires_the_same_after_many_pruned_rounds():
    twins = Twins("review_loop", {"laps": 0})
    answer = RUNS["review_loop"][2]
    for done in range(12):
        twins.step(complete_first_ready(answer, done))

    def wait_a_month(workflow: BpmnWorkflow) -> None:
        workflow.refresh_timers()
        workflow.do_engine_steps()

    twins.clock.advance(days=31)
    twins.step(wait_a_month)
    restored = twins.check()
    assert restored.is_completed()
    assert "escalated_end" in as_sets(restored)[0]
    assert restored.last_task.data["laps"] == 12


def test_states_saved_before_pruning_still_load():
    twins = Twins("review_loop", {"laps": 0})
    whole = json.loads(twins.saved)
    whole.pop("path")
    whole["format"] = "keyflow-state-1"
    twins.saved = json.dumps(whole)
    restored = twins.serializer.loads(twins.saved, twins.process.spec,
                                      twins.process.subprocess_specs)
    assert unfinished(restored) == unfinished(twins.memory)


# Through the engine and the database, on SQLite and PostgreSQL.

REVIEW_LOOP = {("start", "merge"), ("merge", "split"), ("split", "review"),
               ("split", "tally"), ("review", "join"), ("tally", "join"), ("join", "count"),
               ("count", "again_gw"), ("again_gw", "merge")}
LOOP_BACK = {("start", "merge"), ("merge", "count"), ("count", "note"), ("note", "check"),
             ("check", "decide"), ("decide", "more_gw"), ("more_gw", "raise_target"),
             ("raise_target", "merge")}


def open_task(session, instance) -> HumanTask:
    return session.scalars(select(HumanTask).where(
        HumanTask.instance_id == instance.id, HumanTask.state.in_(["ready", "claimed"]))
        .execution_options(populate_existing=True)).one()


def test_many_rounds_through_the_engine_keep_the_state_flat_and_the_path_whole(
        session, kf, users, deploy, clock):
    deploy("loop_back")
    manager = users["senior_manager"]
    instance = kf.start_instance(session, "loop_back", manager,
                                 data={"laps": 0, "target": 1, "more": 1})
    session.commit()
    tasks_saved: dict[int, int] = {}
    for done in range(60):
        _, workflow = restore(kf.runtime, instance)  # restorable after every command
        ready = workflow.get_tasks(state=TaskState.READY, manual=True)
        assert [t.task_spec.bpmn_id for t in ready] == ["decide"]
        assert ready[0].data["laps"] == done + 1
        tasks_saved[done] = len(json.loads(instance.state)["tasks"])
        kf.complete_task(session, open_task(session, instance).id, manager, {"again": True})
        session.commit()
        clock.advance(minutes=5)
    assert instance.status == "running", instance.error
    assert tasks_saved[59] == tasks_saved[10]  # the tree saved no longer grows with rounds
    states = element_states(kf, instance)
    assert set(states.taken) == LOOP_BACK
    assert set(states.active) == {"decide"}
    kf.complete_task(session, open_task(session, instance).id, manager, {"again": False})
    session.commit()
    assert instance.status == "completed"
    states = element_states(kf, instance)
    assert set(states.taken) == LOOP_BACK | {("more_gw", "end")}
    assert {"end", "raise_target", "decide"} <= set(states.completed)


def test_the_boundary_timer_still_fires_through_the_engine(session, kf, users, deploy,
                                                            clock):
    deploy("review_loop")
    manager = users["senior_manager"]
    instance = kf.start_instance(session, "review_loop", manager, data={"laps": 0})
    session.commit()
    for _ in range(8):
        kf.complete_task(session, open_task(session, instance).id, manager, {"again": True})
        session.commit()
    # The boundary timer waits (active), so the way to it shows as well.
    assert set(element_states(kf, instance).taken) == REVIEW_LOOP | {("split", "escalate")}
    clock.advance(timedelta(days=31))
    kf.fire_due_timers(session)
    session.commit()
    assert instance.status == "completed", instance.error
    states = element_states(kf, instance)
    # tally's joins were all cancelled (SpiffWorkflow joins on review's), as without pruning
    assert set(states.taken) == REVIEW_LOOP - {("tally", "join")} | {
        ("split", "escalate"), ("escalate", "escalated_end")}
    assert "escalated_end" in states.completed and "end" not in states.completed
