"""A loop of any length runs as drawn: never a silent *completed* (issue 9, item 3).

SpiffWorkflow keeps every pass of a loop below the previous one; its tree walks stopped at
depth 1000, so the 4-element loop of tests/data/loop_back (merge, count, note, check) ended
"completed" after about 250 passes although it never reached its end event.
"""

from __future__ import annotations

from pathlib import Path

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.util.task import BpmnTaskIterator
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskIterator, TaskState
from sqlalchemy import select

from engine.clock import MovableClock
from engine.deployment import Bundle, compile_bundle
from engine.models import AuditEvent, HumanTask
from engine.runtime.state import restore
from engine.sandbox import SandboxedScriptEngine

DATA = Path(__file__).parents[1] / "data"

LAPS = 300
PER_COMMAND = 100  # laps each command runs (4 steps each, within MAX_ENGINE_STEPS)
START = {"laps": 0, "target": PER_COMMAND, "more": PER_COMMAND}


def open_task(session, instance):
    return session.scalars(select(HumanTask).where(
        HumanTask.instance_id == instance.id, HumanTask.state.in_(["ready", "claimed"]))
        .execution_options(populate_existing=True)).one_or_none()


def actions(session, instance):
    return session.scalars(select(AuditEvent.action).where(
        AuditEvent.instance_id == instance.id).order_by(AuditEvent.id)).all()


def go_round(session, kf, user, instance, again=True):
    kf.complete_task(session, open_task(session, instance).id, user, {"again": again})
    session.commit()


def test_a_loop_run_300_times_waits_for_its_task_and_then_ends_normally(session, kf, users,
                                                                        deploy):
    deploy("loop_back")
    manager = users["senior_manager"]
    instance = kf.start_instance(session, "loop_back", manager, data=START)
    session.commit()
    for _ in range(LAPS // PER_COMMAND - 1):
        assert open_task(session, instance).bpmn_id == "decide", instance.error
        go_round(session, kf, manager, instance)
    assert instance.status == "running", instance.error
    assert open_task(session, instance).bpmn_id == "decide"
    _, workflow = restore(kf.runtime, instance)  # the state saved after 300 passes restores
    ready = workflow.get_tasks(state=TaskState.READY, manual=True)
    assert [t.task_spec.bpmn_id for t in ready] == ["decide"]
    assert ready[0].data["laps"] == LAPS
    go_round(session, kf, manager, instance, again=False)
    assert instance.status == "completed"
    assert actions(session, instance).count("instance_completed") == 1


def test_if_the_depth_limit_came_back_the_instance_fails_instead_of_completing(
        session, kf, users, deploy, monkeypatch):
    # A depth limit again: SpiffWorkflow's own default was 1000. The saved state no longer
    # keeps the finished passes (engine.bpmn.history), so depth no longer adds up across
    # commands; a limit below one command's 100 laps (400 levels) stands in for it.
    for cls in (TaskIterator, BpmnTaskIterator):
        defaults = list(cls.__init__.__defaults__)
        defaults[1] = 100  # (end_at_spec, max_depth, ...)
        monkeypatch.setattr(cls.__init__, "__defaults__", tuple(defaults))
    deploy("loop_back")
    manager = users["senior_manager"]
    instance = kf.start_instance(session, "loop_back", manager, data=START)
    session.commit()
    for _ in range(LAPS // PER_COMMAND - 1):
        if instance.status == "running":
            go_round(session, kf, manager, instance)
    assert instance.status == "error"
    assert "still open" in instance.error["reason"]
    assert instance.error["element_id"]
    assert "instance_completed" not in actions(session, instance)


def test_a_parallel_join_far_down_a_deep_tree_still_joins():
    # In memory, without keyflow's step budget: 1,200 levels, then three passes of a join.
    compiled, problems = compile_bundle(Bundle.from_folder(DATA / "deep_join"))
    assert problems == []
    process = compiled["deep_join"]
    workflow = BpmnWorkflow(process.spec, process.subprocess_specs,
                            script_engine=SandboxedScriptEngine(clock=MovableClock()))
    for task in workflow.get_tasks(state=TaskState.READY):
        task.data.update(deep=0, laps=0)
    workflow.do_engine_steps()  # SpiffWorkflow's own join check recursed past the limit here
    assert workflow.is_completed()
    joins = [t for t in workflow.get_tasks(state=TaskState.COMPLETED)
             if t.task_spec.bpmn_id == "join"]
    assert len(joins) == 3
    assert workflow.get_next_task(state=TaskState.COMPLETED, spec_name="end").data["laps"] == 3


def test_ancestor_walks_do_not_recurse():
    class Node:
        def __init__(self, parent, name):
            self.parent, self.task_spec = parent, type("Spec", (), {"name": name})()

    node = None
    for n in range(5_000):  # deeper than Python's recursion limit
        node = Node(node, f"n{n}")
    assert Task.is_descendant_of(node, object()) is False
    assert Task.find_ancestor(node, "n0").task_spec.name == "n0"
