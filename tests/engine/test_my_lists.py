"""My lists (engine.queries.my_lists): instances started or owned, the department's, tasks
completed and the department's open tasks, page by page through their cursors."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.errors import Forbidden, InvalidData
from engine.models import HumanTask
from engine.queries.my_lists import completed_tasks, department_open_tasks, instance_list

SUBMIT = {"title": "板房 300 方", "amount": 1200, "costs": 200}


def _open(session, instance) -> HumanTask:
    return session.scalars(select(HumanTask).where(
        HumanTask.instance_id == instance.id, HumanTask.state.in_(("ready", "claimed")))
        .order_by(HumanTask.id)).first()


def _all_pages(fetch, limit):
    seen, cursor, pages = [], None, 0
    while True:
        page = fetch(cursor=cursor, limit=limit)
        seen.extend(page.rows)
        pages += 1
        if page.next is None:
            return seen, pages
        cursor = page.next


def test_instances_started_or_owned_page_by_page(session, kf, users, deploy, clock):
    deploy("approval")
    mine = [kf.start_instance(session, "approval", users["senior_manager"]) for _ in range(3)]
    clock.advance(minutes=1)
    named = kf.start_instance(session, "approval", users["dept_head"], owner="senior_manager")
    theirs = kf.start_instance(session, "approval", users["sm2"])
    session.commit()
    rows, pages = _all_pages(lambda **kw: instance_list(session, users["senior_manager"],
                                                        "started", **kw), 2)
    assert [r.instance.id for r in rows] == [named.id, *[i.id for i in reversed(mine)]]
    assert pages == 2
    assert rows[0].owner == "senior_manager" and rows[0].started_by == "dept_head"
    assert rows[0].open_tasks == 1
    everything = instance_list(session, users["dept_head"], "team", limit=100).rows
    assert {r.instance.id for r in everything} == {*(i.id for i in mine), named.id, theirs.id}
    assert theirs.id not in {r.instance.id for r in
                             instance_list(session, users["senior_manager"], "all").rows}


def test_the_department_lists_are_for_leaders(session, users):
    for list_of in (lambda u: instance_list(session, u, "team"),
                    lambda u: department_open_tasks(session, u)):
        with pytest.raises(Forbidden):
            list_of(users["senior_manager"])
    with pytest.raises(InvalidData):
        instance_list(session, users["dept_head"], "everything")
    with pytest.raises(InvalidData):
        instance_list(session, users["dept_head"], "team", cursor="yesterday")


def test_tasks_i_completed_latest_first(session, kf, users, deploy, clock):
    deploy("approval")
    done = []
    for _ in range(3):
        instance = kf.start_instance(session, "approval", users["senior_manager"])
        clock.advance(minutes=5)
        done.append(kf.complete_task(session, _open(session, instance).id,
                                     users["senior_manager"], SUBMIT).id)
    session.commit()
    rows, pages = _all_pages(lambda **kw: completed_tasks(session, users["senior_manager"],
                                                          **kw), 1)
    assert [r.task.id for r in rows] == list(reversed(done)) and pages == 3
    assert completed_tasks(session, users["sm2"]).rows == []


def test_the_departments_open_tasks_soonest_due_first(session, kf, users, deploy, clock):
    deploy("approval")
    first = kf.start_instance(session, "approval", users["senior_manager"])
    clock.advance(hours=1)
    second = kf.start_instance(session, "approval", users["dept_head"])
    session.commit()
    rows, _ = _all_pages(lambda **kw: department_open_tasks(session, users["dept_head"], **kw),
                         1)
    assert [r.task.instance_id for r in rows] == [first.id, second.id]
    assert [r.assignee for r in rows] == ["senior_manager", None]
