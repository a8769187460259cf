"""A loop of any length runs as drawn: never a silent *completed* (issue 9, item 3).

SpiffWorkflow keeps every pass of a loop below the previous one; its tree walks stopped at
depth 1000, so the 4-element loop of tests/data/loop_back (merge, count, note, check) ended
"completed" after about 250 passes although it never reached its end event.
"""

from __future__ import annotations

from SpiffWorkflow.bpmn.util.task import BpmnTaskIterator
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskIterator, TaskState
from sqlalchemy import select

from engine.models import AuditEvent, HumanTask
from engine.runtime.state import restore

LAPS = 300


def open_task(session, instance):
    return session.scalars(select(HumanTask).where(
        HumanTask.instance_id == instance.id, HumanTask.state.in_(["ready", "claimed"]))
        .execution_options(populate_existing=True)).one_or_none()


def actions(session, instance):
    return session.scalars(select(AuditEvent.action).where(
        AuditEvent.instance_id == instance.id).order_by(AuditEvent.id)).all()


def test_a_loop_run_300_times_waits_for_its_task_and_then_ends_normally(session, kf, users,
                                                                        deploy):
    deploy("loop_back")
    manager = users["senior_manager"]
    instance = kf.start_instance(session, "loop_back", manager, data={"laps": 0, "target": LAPS})
    session.commit()
    assert instance.status == "running", instance.error
    assert open_task(session, instance).bpmn_id == "decide"
    _, workflow = restore(kf.runtime, instance)  # the state saved after 300 passes restores
    ready = workflow.get_tasks(state=TaskState.READY, manual=True)
    assert [t.task_spec.bpmn_id for t in ready] == ["decide"]
    assert ready[0].data["laps"] == LAPS
    kf.complete_task(session, open_task(session, instance).id, manager, {"again": True})
    session.commit()  # one lap more, 1,200 levels down
    assert instance.status == "running", instance.error
    assert open_task(session, instance).bpmn_id == "decide"
    kf.complete_task(session, open_task(session, instance).id, manager, {"again": False})
    session.commit()
    assert instance.status == "completed"
    assert actions(session, instance).count("instance_completed") == 1


def test_if_the_depth_limit_came_back_the_instance_fails_instead_of_completing(
        session, kf, users, deploy, monkeypatch):
    for cls in (TaskIterator, BpmnTaskIterator):  # SpiffWorkflow's own default again
        defaults = list(cls.__init__.__defaults__)
        defaults[1] = 1000  # (end_at_spec, max_depth, ...)
        monkeypatch.setattr(cls.__init__, "__defaults__", tuple(defaults))
    deploy("loop_back")
    instance = kf.start_instance(session, "loop_back", users["senior_manager"],
                                 data={"laps": 0, "target": LAPS})
    session.commit()
    assert instance.status == "error"
    assert "still open" in instance.error["reason"]
    assert instance.error["element_id"]
    assert "instance_completed" not in actions(session, instance)


def test_ancestor_walks_do_not_recurse():
    class Node:
        def __init__(self, parent, name):
            self.parent, self.task_spec = parent, type("Spec", (), {"name": name})()

    node = None
    for n in range(5_000):  # deeper than Python's recursion limit
        node = Node(node, f"n{n}")
    assert Task.is_descendant_of(node, object()) is False
    assert Task.find_ancestor(node, "n0").task_spec.name == "n0"
