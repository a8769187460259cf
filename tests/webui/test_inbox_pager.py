"""The inbox in pages of 50, over the API (`next` cursor) and on the HTML page (next and
previous links, in both languages); a cursor the server did not make is a 422, not a 500."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from test_api import Api

from engine.models import HumanTask


def rows(html: str) -> list[str]:
    return re.findall(r'data-task-id="(\d+)"', html)


def add_open_tasks(env, n: int) -> int:
    """`n` more open tasks of the manager on one instance (projection rows: the inbox reads
    human_task only); returns how many open tasks the manager has now."""
    instance_id = env.start()

    def add(s, kf, u):
        manager, now = u("senior_manager"), kf.clock.now()
        for k in range(n):
            s.add(HumanTask(spiff_task_id=f"extra-{k}", instance_id=instance_id,
                            process_key="webui_flow", bpmn_id="register", name=f"任务{k}",
                            name_en=f"Task {k}", role="senior_manager", assignee_id=manager.id,
                            state="claimed", created_at=now, claimed_at=now,
                            due_at=now + timedelta(hours=k % 5) if k % 4 else None))
    env.run(add)
    return n + 1


def test_api_pages_with_a_next_cursor(app, env):
    total = add_open_tasks(env, 120)
    api = Api(app, env, "senior_manager")
    seen, url, pages = [], "/api/tasks", 0
    while url:
        reply = api.get(url)
        assert reply.status_code == 200
        body = reply.get_json()
        seen += [t["id"] for t in body["tasks"]]
        pages += 1
        url = f"/api/tasks?cursor={body['next']}" if body["next"] else None
    assert pages == 3 and len(seen) == total == len(set(seen))


@pytest.mark.parametrize("cursor", ["nonsense", "MS4tLjA", "%00", "MS45OTk5OTk5OTk5OTk5OTk5OTkuNQ"])
def test_api_refuses_a_cursor_it_did_not_make(app, env, cursor):
    reply = Api(app, env, "senior_manager").get(f"/api/tasks?cursor={cursor}")
    assert reply.status_code in (400, 422)
    assert "cursor" in reply.get_json()["details"]


def test_html_inbox_pages_forward_and_back_in_both_languages(client_for, env):
    total = add_open_tasks(env, 60)
    client = client_for("senior_manager")
    first = client.get("/?scope=mine").get_data(as_text=True)
    assert len(rows(first)) == 50 and "下一页" in first and "上一页" not in first
    following = re.search(r'id="page-next" href="([^"]+)"|href="([^"]+)" rel="next"', first)
    url = (following.group(1) or following.group(2)).replace("&amp;", "&")
    second = client.get(url, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert len(rows(second)) == total - 50 and "Previous page" in second
    assert "Next page" not in second and not set(rows(first)) & set(rows(second))
    back = re.search(r'href="([^"]+)" rel="prev"', second).group(1).replace("&amp;", "&")
    assert rows(client.get(back).get_data(as_text=True)) == rows(first)


def test_html_inbox_refuses_a_tampered_cursor(client_for):
    client = client_for("senior_manager")
    for url in ("/?after=garbage", "/?before=MS4tLjA", "/?scope=role&after=%C2%A3"):
        assert client.get(url).status_code in (400, 422)
