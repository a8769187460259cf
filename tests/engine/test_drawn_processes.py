"""The engine runs what was drawn: each pool its own process, no recursion through call
activities, plain tasks as no-ops and manual tasks only where a role can do them."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine.deployment import Bundle, SpecCache
from engine.errors import DeploymentInvalid
from engine.models import HumanTask, ProcessDefinition

DATA = Path(__file__).parents[1] / "data"


def _open_tasks(session, instance):
    return session.scalars(select(HumanTask).where(
        HumanTask.instance_id == instance.id, HumanTask.state.in_(("ready", "claimed")))).all()


@pytest.mark.parametrize("order", [("proc_a", "proc_b"), ("proc_b", "proc_a")])
def test_two_pools_in_one_file_each_start_runs_its_own_process(session, kf, users, deploy,
                                                               order):
    deployed = deploy("two_pools")
    assert sorted(r.key for r in deployed) == ["proc_a", "proc_b"]
    expected = {"proc_a": "a_task", "proc_b": "b_task"}
    for cache in ("warm", "cold"):
        if cache == "cold":
            kf.runtime.specs = SpecCache()  # a fresh process: specs parsed from the database
        for key in order:
            instance = kf.start_instance(session, key, users["senior_manager"])
            session.commit()
            assert instance.definition.key == key
            assert [t.bpmn_id for t in _open_tasks(session, instance)] == [expected[key]], cache
    assert kf.runtime.specs.misses == 2  # one parse per process, not one per file


@pytest.mark.parametrize(("folder", "element_ids", "cycle"), [
    ("call_self", {"call_again"}, "self_caller → self_caller"),
    ("call_cycle", {"ping_calls_pong", "pong_calls_ping"}, "ping → pong → ping"),
], ids=["direct", "through_another"])
def test_recursion_through_call_activities_is_refused_at_deploy(session, kf, folder,
                                                                element_ids, cycle):
    with pytest.raises(DeploymentInvalid) as caught:
        kf.deploy(session, Bundle.from_folder(DATA / folder))
    problems = [p for p in caught.value.problems if "calls itself" in p.reason]
    assert {p.element_id for p in problems} == element_ids, caught.value.problems
    assert all(p.file and p.file.endswith(".bpmn") for p in problems)
    assert any(cycle in p.reason for p in problems), problems
    assert session.scalar(select(func.count()).select_from(ProcessDefinition)) == 0


def test_plain_task_runs_through_and_manual_task_goes_to_its_role(session, kf, users, deploy):
    deployed = deploy("plain_and_manual")
    definition = session.get(ProcessDefinition, deployed[0].definition_id)
    assert definition.lanes == ["clerk"]  # the manual task's role may start it
    instance = kf.start_instance(session, "plain_and_manual", users["admin"])
    session.commit()
    tasks = _open_tasks(session, instance)
    assert [(t.bpmn_id, t.role) for t in tasks] == [("file_paper", "clerk")]
    every_row = session.scalars(select(HumanTask.bpmn_id).where(
        HumanTask.instance_id == instance.id)).all()
    assert "note" not in every_row  # the plain task never was anyone's task
    kf.complete_task(session, tasks[0].id, users["clerk"], {})
    session.commit()
    assert instance.status == "completed"


def test_manual_task_outside_a_role_lane_is_refused_at_deploy(session, kf):
    with pytest.raises(DeploymentInvalid) as caught:
        kf.deploy(session, Bundle.from_folder(DATA / "invalid" / "manual_no_lane"))
    problems = caught.value.problems
    assert [(p.file, p.element_id) for p in problems] == [
        ("manual_no_lane.bpmn", "sweep_floor")], problems
    assert "lane" in problems[0].reason
