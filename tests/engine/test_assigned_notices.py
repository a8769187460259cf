"""The "task assigned" mail and chat notice (engine.runtime.projection): the person whose own
command just opened a task for them (the senior manager starting an instance or finishing a
step of their lane) is on the screen with it and gets neither; anyone else it opens for does.
The task_created audit row is written either way."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from engine.chat.addresses import HookHosts
from engine.chat.hooks import HookRequest
from engine.models import AuditEvent, HumanTask, Notification
from engine.runtime.tasks import complete_locked, lock_task

FIVE_STEP = "keyflow_bench_five_step"
TZ = ZoneInfo("Asia/Shanghai")
WECOM = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=aaaa-1111-bbbb-2222"


def _open(session, instance) -> HumanTask:
    return session.scalars(select(HumanTask).where(
        HumanTask.instance_id == instance.id, HumanTask.state.in_(("ready", "claimed")))
        .order_by(HumanTask.id)).one()


def _assigned(session, task) -> list[tuple[str, int | None]]:
    """(channel, recipient) of each 'task assigned' notice about `task`."""
    return [(n.channel, n.recipient_id) for n in session.scalars(
        select(Notification).where(Notification.task_id == task.id,
                                   Notification.kind == "task_assigned")
        .order_by(Notification.channel, Notification.id))]


def _hook(session, kf, user) -> None:
    kf.set_chat_hook(session, user, None,
                     HookRequest("wecom", url=WECOM.replace("aaaa", f"{user.id:04d}")),
                     HookHosts())
    session.commit()


def _created(session, task) -> AuditEvent:
    return session.scalars(select(AuditEvent).where(AuditEvent.task_id == task.id,
                                                    AuditEvent.action == "task_created")).one()


def test_the_starter_is_not_told_of_the_task_their_start_gave_them(session, kf, users, deploy):
    deploy("approval")
    manager = users["senior_manager"]
    _hook(session, kf, manager)
    instance = kf.start_instance(session, "approval", manager)
    session.commit()
    submit = _open(session, instance)
    assert submit.assignee_id == manager.id and submit.state == "claimed"
    assert _assigned(session, submit) == []
    assert _created(session, submit).data["assignee_id"] == manager.id


def test_finishing_a_step_that_opens_the_next_for_oneself_mails_nothing(session, kf, users,
                                                                       deploy):
    deploy("reference_workload")
    manager = users["senior_manager"]
    _hook(session, kf, manager)
    instance = kf.start_instance(session, FIVE_STEP, manager)
    session.commit()
    first = _open(session, instance)
    kf.complete_task(session, first.id, manager, {"volume": 6000})
    session.commit()
    second = _open(session, instance)
    assert second.assignee_id == manager.id
    assert _assigned(session, second) == []
    assert _created(session, second).data["assignee_id"] == manager.id


def test_an_owner_named_by_a_leader_is_told(session, kf, users, deploy):
    deploy("approval")
    owner = users["sm2"]
    _hook(session, kf, owner)
    instance = kf.start_instance(session, "approval", users["dept_head"], owner="sm2")
    session.commit()
    submit = _open(session, instance)
    assert submit.assignee_id == owner.id
    assert _assigned(session, submit) == [("chat", owner.id), ("mail", owner.id)]


def test_a_step_done_by_a_substitute_tells_the_owner_of_the_next(session, kf, users, clock,
                                                                 deploy):
    deploy("reference_workload")
    manager = users["senior_manager"]
    _hook(session, kf, manager)
    instance = kf.start_instance(session, FIVE_STEP, manager)
    today = clock.now().astimezone(TZ).date()
    kf.set_substitute(session, manager, substitute="sm2", starts_on=today,
                      ends_on=today + timedelta(days=1), tz=TZ)
    session.commit()
    first = _open(session, instance)
    kf.complete_task(session, first.id, users["sm2"], {"volume": 6000})
    session.commit()
    second = _open(session, instance)
    assert second.assignee_id == manager.id
    assert _assigned(session, second) == [("chat", manager.id), ("mail", manager.id)]


def test_a_step_done_by_nobody_in_particular_tells_the_owner(session, kf, users, deploy):
    # The way a customer's link completes a step: the system is the actor.
    deploy("reference_workload")
    manager = users["senior_manager"]
    instance = kf.start_instance(session, FIVE_STEP, manager)
    session.commit()
    locked = lock_task(session, _open(session, instance).id)
    complete_locked(session, kf.runtime, locked.instance, locked.task, {"volume": 6000},
                    actor=None, open_tasks=locked.open_tasks)
    session.commit()
    second = _open(session, instance)
    assert second.assignee_id == manager.id
    assert _assigned(session, second) == [("mail", manager.id)]


def test_reassigning_to_a_colleague_still_tells_them(session, kf, users, deploy):
    deploy("approval")
    instance = kf.start_instance(session, "approval", users["senior_manager"])
    session.commit()
    submit = _open(session, instance)
    kf.reassign_task(session, submit.id, users["senior_manager"], "sm2")
    session.commit()
    assert _assigned(session, submit) == [("mail", users["sm2"].id)]


def test_the_department_proof_expects_exactly_the_assigned_mails_written(session, kf, users,
                                                                         deploy):
    # bench/consistency.py reads the history to know which mails the outbox must hold.
    from bench.consistency import expected_keys

    deploy("reference_workload")
    deploy("approval")
    manager = users["senior_manager"]
    own = kf.start_instance(session, FIVE_STEP, manager)
    named = kf.start_instance(session, "approval", users["dept_head"], owner="senior_manager")
    session.commit()
    kf.complete_task(session, _open(session, own).id, manager, {"volume": 6000})
    session.commit()
    written = set(session.scalars(select(Notification.idempotency_key).where(
        Notification.kind == "task_assigned", Notification.channel == "mail")))
    assert written == {f"task:{_open(session, named).id}:assigned"}
    assert set(expected_keys(session)) == written
