"""Reminders, escalation and BPMN timers through real beat + worker processes and SMTP."""

from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import select

from engine.models import HumanTask, ProcessInstance

SETTLE = 2.5  # more than two ticks: long enough for a duplicate to show up


def open_task(session, instance_id, bpmn_id):
    return session.scalars(select(HumanTask).where(
        HumanTask.instance_id == instance_id, HumanTask.bpmn_id == bpmn_id,
        HumanTask.state.in_(("ready", "claimed")))).one()


def test_due_soon_overdue_escalation_and_timers(world, processes, smtp, wait_for):
    world.setup(["approval", "timer_wait"])
    kf, s = world.kf, world.sessions
    with s.begin() as session:
        manager = world.user(session, "manager")
        approval = kf.start_instance(session, "approval", manager).id
        waiting = kf.start_instance(session, "timer_wait", manager).id
    with s.begin() as session:
        manager = world.user(session, "manager")
        kf.complete_task(session, open_task(session, approval, "submit").id, manager,
                         {"title": "Tunnel site", "amount": 900, "costs": 100})
        kf.complete_task(session, open_task(session, waiting, "plan").id, manager, {})
    with s() as session:
        review = open_task(session, approval, "review").id
    ids = world.users

    def arrived():
        return sorted((m["X-Keyflow-Key"], m["To"], m["Content-Language"])
                      for m in smtp.messages)

    def expect(expected):
        wait_for(lambda: len(smtp.messages) >= len(expected), 30, f"{len(expected)} mails")
        time.sleep(SETTLE)
        assert arrived() == sorted(expected)
        assert len(set(smtp.keys())) == len(smtp.keys())

    processes.worker()
    processes.beat()
    # the manager's own starts opened submit and plan for him: no mail about those
    mails = []
    # the review arrived in the heads' pool: each head is told at once, in their language
    mails += [(f"task:{review}:offered:{ids['head']}", "head@example.test", "zh"),
              (f"task:{review}:offered:{ids['head2']}", "head2@example.test", "en")]
    expect(mails)

    # the intermediate timer (PT2H) fires through the tick
    world.clock.set(world.clock.now() + timedelta(hours=2, minutes=1))
    report = wait_for(lambda: _report(s, waiting), 30, "the timer_wait report task")
    mails.append((f"task:{report}:assigned", "manager@example.test", "en"))
    expect(mails)
    with s.begin() as session:
        kf.complete_task(session, report, world.user(session, "manager"), {})

    # the review (due in 2 days, unclaimed) is reminded to both heads, in their languages
    world.clock.set(world.clock.now() + timedelta(days=1))
    mails += [(f"task:{review}:due_soon:{ids['head']}", "head@example.test", "zh"),
              (f"task:{review}:due_soon:{ids['head2']}", "head2@example.test", "en")]
    expect(mails)

    world.clock.set(world.clock.now() + timedelta(days=1))
    mails += [(f"task:{review}:overdue:1:{ids['head']}", "head@example.test", "zh"),
              (f"task:{review}:overdue:1:{ids['head2']}", "head2@example.test", "en")]
    expect(mails)

    # one day overdue: escalation to the director; the 3-day boundary timer fires too
    world.clock.set(world.clock.now() + timedelta(days=1))
    escalated = wait_for(lambda: _escalated(s, approval), 30, "the escalated review")
    mails += [(f"task:{review}:overdue:2:{ids['head']}", "head@example.test", "zh"),
              (f"task:{review}:overdue:2:{ids['head2']}", "head2@example.test", "en"),
              (f"task:{review}:escalation:{ids['director']}", "director@example.test", "zh"),
              (f"task:{escalated}:offered:{ids['director']}", "director@example.test", "zh")]
    expect(mails)
    with s() as session:
        assert open_task(session, approval, "escalated_review").role == "marketing_director"
        assert open_task(session, approval, "review").state == "ready"  # non-interrupting
    assert set(world.statuses().values()) == {"sent"}
    text = next(m for m in smtp.messages
                if m["X-Keyflow-Key"] == f"task:{review}:escalation:{ids['director']}")
    assert f"http://kf.test/tasks/{review}" in text.get_body(("plain",)).get_content()


def _report(sessions, instance_id):
    with sessions() as session:
        instance = session.get(ProcessInstance, instance_id)
        found = session.scalars(select(HumanTask.id).where(
            HumanTask.instance_id == instance_id, HumanTask.bpmn_id == "report")).first()
        return found if instance is not None and found else None


def _escalated(sessions, instance_id):
    with sessions() as session:
        return session.scalars(select(HumanTask.id).where(
            HumanTask.instance_id == instance_id,
            HumanTask.bpmn_id == "escalated_review")).first()
