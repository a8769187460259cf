"""Timers keep to keyflow's limits: at most once a minute, with a count, within ten years —
refused at deploy when written literally, an instance error when computed from data."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine.deployment import Bundle
from engine.errors import DeploymentInvalid
from engine.models import AuditEvent, HumanTask, ProcessDefinition

DATA = Path(__file__).parents[1] / "data"

REFUSED = {
    # element id: words of its reason
    "every_tick": "timer cycle R/PT0S repeats without end",
    "every_hour_for_ever": "timer cycle R/PT1H repeats without end",
    "every_ten_seconds": "timer cycle R5/PT10S repeats more often than once a minute",
    "too_many_days": "timer duration P99999999D is beyond the 10-year limit",
    "year_9999": "beyond the 10-year limit",
}


def test_hostile_timers_are_each_refused_at_deploy(session, kf):
    with pytest.raises(DeploymentInvalid) as caught:
        kf.deploy(session, Bundle.from_folder(DATA / "invalid" / "hostile_timers"))
    problems = caught.value.problems
    reasons = {p.element_id: [] for p in problems}
    for p in problems:
        reasons[p.element_id].append(p.reason)
        assert p.file == "hostile_timers.bpmn"
    for element_id, words in REFUSED.items():
        assert any(words in r for r in reasons.get(element_id, [])), (element_id, problems)
    assert "dueIn: P99999999D is beyond the 10-year limit" in reasons["work"]
    assert any("overdueEvery" in r and "once a minute" in r for r in reasons["work"])
    assert "reminded" not in reasons and "fine_wait" not in reasons  # R3/P1D and P3D are fine
    assert session.scalar(select(func.count()).select_from(ProcessDefinition)) == 0


@pytest.mark.parametrize(("data", "element_id", "reason"), [
    ({"wait": "P99999999D", "every": "R3/P1D"}, "wait_timer",
     "timer duration P99999999D is beyond the 10-year limit"),
    ({"wait": "PT1H", "every": "R/PT0S"}, "nudge", "timer cycle R/PT0S repeats without end"),
    ({"wait": 12, "every": "R3/P1D"}, "wait_timer", "timer duration must be an ISO 8601 text"),
], ids=["far_duration", "endless_cycle", "not_a_text"])
def test_timer_computed_from_data_puts_the_instance_in_error(session, kf, users, deploy, clock,
                                                              data, element_id, reason):
    deploy("timer_from_data")
    instance = kf.start_instance(session, "timer_from_data", users["clerk"], data=data)
    session.commit()
    if element_id == "nudge":  # the cycle is evaluated once the task it watches is reached
        clock.advance(hours=2)
        kf.fire_due_timers(session)
        session.commit()
        session.refresh(instance)
    assert instance.status == "error"
    assert instance.error["element_id"] == element_id
    assert reason in instance.error["reason"]
    errors = session.scalars(select(AuditEvent).where(
        AuditEvent.instance_id == instance.id, AuditEvent.action == "instance_error")).all()
    assert len(errors) == 1


def test_timer_computed_from_data_within_limits_runs(session, kf, users, deploy, clock):
    deploy("timer_from_data")
    instance = kf.start_instance(session, "timer_from_data", users["clerk"],
                                 data={"wait": "PT1H", "every": "R3/P1D"})
    session.commit()
    assert instance.status == "running"
    clock.advance(hours=2)
    kf.fire_due_timers(session)
    session.commit()
    session.refresh(instance)
    assert instance.status == "running"
    open_tasks = session.scalars(select(HumanTask.bpmn_id).where(
        HumanTask.instance_id == instance.id)).all()
    assert open_tasks == ["work"]
