"""The inbox: my tasks and my roles, overdue first, relative due times, filters, counts."""

from __future__ import annotations

import re

from webui_env import REGISTER_DATA


def rows(html: str) -> list[str]:
    return re.findall(r'data-task-id="(\d+)"', html)


def test_my_tasks_and_my_roles(client_for, env):
    instance_id = env.start()
    mine = client_for("senior_manager").get("/").get_data(as_text=True)
    task_id = env.open_task(instance_id).id
    assert rows(mine) == [str(task_id)]
    assert "华建路桥" in mine and "大客户开发审批" in mine and "2天后到期" in mine
    env.complete(task_id, "senior_manager", REGISTER_DATA)
    review = env.open_task(instance_id).id
    head = client_for("dept_head")
    assert rows(head.get("/?scope=mine").get_data(as_text=True)) == []
    landing = head.get("/").get_data(as_text=True)  # nothing of mine: my roles' work instead
    assert rows(landing) == [str(review)] and 'name="scope" value="role"' in landing
    offered = head.get("/?scope=role").get_data(as_text=True)
    assert rows(offered) == [str(review)] and 'class="claim"' in offered
    assert rows(client_for("clerk").get("/?scope=role").get_data(as_text=True)) == []


def test_overdue_first_with_relative_times_and_counts(client_for, env, clock):
    older = env.start(customer="甲公司")
    clock.advance(days=1, hours=21)
    newer = env.start(customer="乙公司")  # due in 2 days; the older one is due in 3 hours
    clock.advance(hours=6)  # older: 3 hours overdue
    page = client_for("senior_manager").get("/", headers={"Accept-Language": "en"})
    html = page.get_data(as_text=True)
    ids = rows(html)
    assert ids == [str(env.open_task(older).id), str(env.open_task(newer).id)]
    assert "3 hours overdue" in html and "due in 2 days" in html
    assert re.search(r'data-count="mine">2<', html)
    assert 'badge late' in html
    zh = client_for("senior_manager").get("/").get_data(as_text=True)
    assert "已逾期3小时" in zh


def test_filters_process_overdue_and_search(client_for, env, clock):
    a = env.start(customer="华建路桥")
    b = env.start(key="approval", customer="蓝天隧道")
    clock.advance(days=1, hours=1)  # approval's submit is due after 1 day: overdue now
    client = client_for("senior_manager")
    assert rows(client.get("/?process=approval").get_data(as_text=True)) == [
        str(env.open_task(b).id)]
    assert rows(client.get("/?overdue=1").get_data(as_text=True)) == [str(env.open_task(b).id)]
    assert rows(client.get("/?q=华建").get_data(as_text=True)) == [str(env.open_task(a).id)]
    assert rows(client.get("/?q=%25").get_data(as_text=True)) == []  # % is literal
    assert rows(client.get("/?q=Register").get_data(as_text=True)) == [
        str(env.open_task(a).id)]


def test_customer_names_are_escaped(client_for, env):
    env.start(customer='<script>alert("x")</script>')
    html = client_for("senior_manager").get("/").get_data(as_text=True)
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert" in html


def test_unknown_scope_falls_back_to_mine(client_for):
    assert client_for("clerk").get("/?scope=../../etc").status_code == 200
