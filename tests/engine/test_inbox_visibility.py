"""The inbox's SQL against the visibility rule's per-object check, on a generated mix of deals:
one's own, a substitute's, offered to a pool, another manager's, finished; for every role.

The `all` inbox walks every open task and keeps those of the instances the user sees through
a set read per tie (engine.runtime.access.visible_instance_ids, open_tasks_visible): every
page, the badge counts, a text search and the `mine` and `role` inboxes must list exactly
the tasks that `can_see_task` lets the user see, in inbox order."""

from __future__ import annotations

import random
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from engine.clock import bind_clock
from engine.models import OPEN_TASK_STATES, HumanTask, ProcessDefinition, ProcessInstance
from engine.queries.inbox import Position, inbox, inbox_counts
from engine.runtime.access import (
    can_see_instance,
    can_see_task,
    sight_of,
    tasks_visible,
    visible_instance_ids,
)

TZ = ZoneInfo("Asia/Shanghai")
PAGE = 7
RARE = "鑫"  # in some customers' names only: no process, task or key holds it
DUE_HOURS = [-30, -2, -2, 1, 5, 5, 48, None, None]  # overdue, later, ties, undated


def _mix(session, kf, users, clock) -> None:
    """Instances of every kind the rule tells apart, with tasks in every state: own deals
    (started, or owned when a leader named the owner), another manager's, tasks offered to a
    role, claimed, completed by someone other than the current holder, finished instances
    whose tasks are all closed; and substitutions: one today, one starting tomorrow."""
    definition = session.scalars(select(ProcessDefinition)).first()
    assert definition is not None
    people = list(users.values())
    managers = [users["senior_manager"], users["sm2"]]
    roles = sorted({role for user in people for role in user.role_names})
    rng = random.Random(29)
    now = clock.now()
    n = 0
    for k in range(90):
        finished = k % 6 == 5
        starter = rng.choice([*people, *managers, *managers, None])
        owner = rng.choice([*managers, None]) if k % 3 else \
            (starter if starter in managers else None)
        instance = ProcessInstance(
            definition_id=definition.id, business_key=f"VIS-{k:03d}", customer_name=None,
            status="completed" if finished else "running",
            started_by_id=starter.id if starter else None, owner_id=owner.id if owner else None,
            started_at=now - timedelta(days=2), ended_at=now if finished else None,
            state="{}", version=1)
        session.add(instance)
        session.flush()
        for _ in range(rng.randint(1, 3)):
            n += 1
            state = rng.choice(["completed", "cancelled"]) if finished else \
                rng.choice(["ready", "ready", "claimed", "claimed", "completed", "cancelled"])
            holder = rng.choice(people) if state != "ready" else None
            hours = rng.choice(DUE_HOURS)
            session.add(HumanTask(
                spiff_task_id=f"vis-{n}", instance_id=instance.id, process_key=definition.key,
                customer_name=f"{RARE}达{k}" if k % 4 == 0 else f"客户{k}", bpmn_id="submit",
                name=f"任务{n}", name_en=f"Task {n}", role=rng.choice(roles),
                assignee_id=holder.id if holder and (state == "claimed" or rng.random() < 0.8)
                else None, state=state,
                created_at=now - timedelta(days=1),
                claimed_at=now if state == "claimed" else None,
                completed_at=now if state == "completed" else None,
                completed_by_id=rng.choice(people).id if state == "completed" else None,
                due_at=None if hours is None else now + timedelta(hours=hours)))
    session.commit()
    today = now.astimezone(TZ).date()
    kf.set_substitute(session, users["senior_manager"], substitute="clerk",
                      starts_on=today, ends_on=today, tz=TZ)
    kf.set_substitute(session, users["finance"], substitute="sm2",
                      starts_on=today, ends_on=today + timedelta(days=2), tz=TZ)
    kf.set_substitute(session, users["sm2"], substitute="nobody",
                      starts_on=today + timedelta(days=1), ends_on=today + timedelta(days=1),
                      tz=TZ)  # not yet
    session.commit()
    bind_clock(session, clock)


def _order(task: HumanTask) -> tuple[bool, float, int]:
    return (task.due_at is None, task.due_at.timestamp() if task.due_at else 0.0, task.id)


def _walk(session, user, now, scope="all", **filters) -> list[int]:
    """Every page forward, then back again from the last (each previous page must be the
    one read before it); the tasks in the order read forward."""
    pages, after = [], None
    while True:
        page = inbox(session, user, now, scope=scope, after=after, limit=PAGE, **filters)
        pages.append(page)
        if page.next is None:
            break
        after = Position.parse(page.next)
    back = pages[-1]
    for earlier in reversed(pages[:-1]):
        assert back.previous is not None
        back = inbox(session, user, now, scope=scope, before=Position.parse(back.previous),
                     limit=PAGE, **filters)
        assert [r.task.id for r in back.rows] == [r.task.id for r in earlier.rows]
    return [row.task.id for page in pages for row in page.rows]


def test_every_list_of_every_role_is_exactly_what_the_rule_lets_see(session, kf, users, clock,
                                                                    deploy):
    deploy("approval")
    _mix(session, kf, users, clock)
    now = clock.now()
    key = session.scalars(select(ProcessDefinition.key)).one()
    instances = session.scalars(select(ProcessInstance)).all()
    tasks = session.scalars(select(HumanTask)).all()
    open_tasks = sorted((t for t in tasks if t.state in OPEN_TASK_STATES), key=_order)
    assert len(open_tasks) > 60 and len(tasks) > len(open_tasks) + 40
    partial = 0
    for name, user in users.items():
        sight = sight_of(session, user)
        seen = [t for t in open_tasks if can_see_task(session, user, t, sight)]
        if 0 < len(seen) < len(open_tasks):
            partial += 1
        assert _walk(session, user, now) == [t.id for t in seen], name
        rare = [t.id for t in seen if RARE in (t.customer_name or "")]
        assert _walk(session, user, now, q=RARE) == rare, name
        assert _walk(session, user, now, q=RARE, process=key) == rare, name
        assert _walk(session, user, now, process="elsewhere") == [], name
        assert _walk(session, user, now, overdue=True) == \
            [t.id for t in seen if t.due_at is not None and t.due_at < now], name
        every = {t.id for t in tasks if can_see_task(session, user, t, sight)}
        assert set(session.scalars(select(HumanTask.id).where(tasks_visible(sight)))) == \
            every, name
        if not sight.sees_all:
            ids = set(session.scalars(select(visible_instance_ids(sight).c.id)))
            assert ids == {i.id for i in instances if can_see_instance(session, user, i)}, name
        mine = [t for t in seen if t.assignee_id in sight.user_ids]
        offered = [t for t in seen if t.assignee_id is None and t.role in user.role_names]
        # `mine` and `role` leave the rule out (it adds nothing there): still exactly it.
        assert _walk(session, user, now, "mine") == [t.id for t in mine], name
        assert _walk(session, user, now, "role") == [t.id for t in offered], name
        late = [t for t in open_tasks if t.due_at is not None and t.due_at < now]
        assert inbox_counts(session, user, now) == {
            "mine": len(mine), "mine_overdue": len([t for t in mine if t in late]),
            "role": len(offered), "role_overdue": len([t for t in offered if t in late]),
        }, name
    assert partial >= 5  # most people see some of the open tasks and not others
