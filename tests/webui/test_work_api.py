"""Assignment, substitutes and the personal lists over the JSON API (every response is
checked against the OpenAPI document by the test app)."""

from __future__ import annotations

from datetime import timedelta

from test_api import Api
from webui_env import REGISTER_DATA


def test_reassigning_a_task_over_the_api(app, env):
    instance_id = env.start()
    task = env.open_task(instance_id).id
    manager, other, clerk = (Api(app, env, u) for u in ("senior_manager", "sm2", "clerk"))
    assert clerk.post(f"/api/tasks/{task}/assign", {"user": "sm2"}).status_code == 404
    refused = manager.post(f"/api/tasks/{task}/assign", {"user": "clerk"})
    assert refused.status_code == 422 and "user" in refused.get_json()["details"]
    assert manager.post(f"/api/tasks/{task}/assign", {}).status_code == 422
    moved = manager.post(f"/api/tasks/{task}/assign", {"user": "sm2"})
    assert moved.status_code == 200 and moved.get_json()["assignee"] == "sm2"
    assert [t["id"] for t in other.get("/api/tasks").get_json()["tasks"]] == [task]
    # The old holder is no longer its holder: only a leader could move it again.
    assert manager.post(f"/api/tasks/{task}/assign",
                        {"user": "senior_manager"}).status_code == 403
    history = Api(app, env, "dept_head").get(f"/api/instances/{instance_id}").get_json()
    [event] = [e for e in history["history"] if e["action"] == "task_reassigned"]
    assert event["actor"] == "senior_manager" and event["data"] == {"from": "senior_manager",
                                                                    "to": "sm2"}


def test_changing_the_owner_over_the_api(app, env):
    instance_id = env.start()
    task = env.open_task(instance_id).id
    manager, head = Api(app, env, "senior_manager"), Api(app, env, "dept_head")
    assert manager.post(f"/api/instances/{instance_id}/owner",
                        {"user": "sm2"}).status_code == 403
    assert head.post(f"/api/instances/{instance_id}/owner",
                     {"user": "finance"}).status_code == 422
    assert Api(app, env, "finance").post(f"/api/instances/{instance_id}/owner",
                                         {"user": "sm2"}).status_code == 404
    changed = head.post(f"/api/instances/{instance_id}/owner", {"user": "sm2"})
    assert changed.status_code == 200 and changed.get_json()["owner"] == "sm2"
    assert Api(app, env, "sm2").get(f"/api/tasks/{task}").get_json()["assignee"] == "sm2"


def test_my_lists_page_by_page(app, env):
    started = [env.start() for _ in range(3)]
    env.complete(env.open_task(started[0]).id, "senior_manager", REGISTER_DATA)
    manager, head = Api(app, env, "senior_manager"), Api(app, env, "dept_head")
    first = manager.get("/api/instances?limit=2").get_json()
    assert [i["id"] for i in first["instances"]] == [started[2], started[1]]
    assert first["instances"][0]["owner"] == "senior_manager"
    rest = manager.get(f"/api/instances?limit=2&cursor={first['next']}").get_json()
    assert [i["id"] for i in rest["instances"]] == [started[0]] and rest["next"] is None
    assert manager.get("/api/instances?scope=team").status_code == 403
    assert manager.get("/api/instances?scope=nope").status_code == 422
    assert manager.get("/api/instances?limit=0").status_code == 422
    assert manager.get("/api/instances?cursor=x.y").status_code == 422
    assert len(head.get("/api/instances?scope=team").get_json()["instances"]) == 3
    done = manager.get("/api/tasks/completed").get_json()
    assert [t["instance_id"] for t in done["tasks"]] == [started[0]] and done["next"] is None
    assert manager.get("/api/tasks/department").status_code == 403
    open_tasks = head.get("/api/tasks/department?limit=100").get_json()["tasks"]
    assert {t["instance_id"] for t in open_tasks} == set(started)


def test_a_substitute_over_the_api(app, env, clock):
    instance_id = env.start()
    task = env.open_task(instance_id).id
    manager, stand_in = Api(app, env, "senior_manager"), Api(app, env, "sm2")
    today = (clock.now() + timedelta(hours=8)).date()  # Asia/Shanghai
    assert stand_in.get(f"/api/tasks/{task}").status_code == 404
    bad = manager.post("/api/substitutes", {"substitute": "sm2", "from": "soon",
                                            "to": today.isoformat()})
    assert bad.status_code == 422
    assert manager.post("/api/substitutes", {"substitute": "sm2", "from": today.isoformat(),
                                             "to": today.isoformat(), "absent": "clerk"}
                        ).status_code == 403
    made = manager.post("/api/substitutes", {"substitute": "sm2", "from": today.isoformat(),
                                             "to": (today + timedelta(days=2)).isoformat()})
    assert made.status_code == 201 and made.get_json()["active"] is True
    assert stand_in.get("/api/substitutes").get_json()["substitutes"][0]["absent"] == \
        "senior_manager"
    assert [t["id"] for t in stand_in.get("/api/tasks").get_json()["tasks"]] == [task]
    done = stand_in.post(f"/api/tasks/{task}/complete", {"data": REGISTER_DATA})
    assert done.status_code == 200 and done.get_json()["state"] == "completed"
    sid = made.get_json()["id"]
    assert Api(app, env, "clerk").post(f"/api/substitutes/{sid}/end").status_code == 404
    ended = manager.post(f"/api/substitutes/{sid}/end")
    assert ended.status_code == 200 and ended.get_json()["active"] is False
    assert manager.get("/api/substitutes").get_json()["substitutes"] == []
