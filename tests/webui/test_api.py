"""The JSON API of design.md, with bearer tokens (no CSRF) over the same engine calls."""

from __future__ import annotations

from webui_env import DATA, REGISTER_DATA

from engine.accounts import create_token


class Api:
    """A bearer-token client for one user."""

    def __init__(self, app, env, username):
        secret = env.run(lambda s, kf, u: create_token(s, kf.clock, u(username), "test"))
        self.http = app.test_client()
        self.headers = {"Authorization": f"Bearer {secret}"}

    def get(self, url):
        return self.http.get(url, headers=self.headers)

    def post(self, url, body=None, **kwargs):
        return self.http.post(url, json=body, headers=self.headers, **kwargs)

    def send(self, method, url, body=None):
        return self.http.open(url, method=method.upper(), json=body, headers=self.headers)


def test_processes_lists_newest_versions_with_may_start(app, env):
    body = Api(app, env, "finance").get("/api/processes").get_json()
    by_key = {p["key"]: p for p in body["processes"]}
    assert by_key["webui_flow"]["lanes"] == ["senior_manager", "dept_head",
                                             "marketing_director", "clerk"]
    assert by_key["webui_flow"]["name_en"] == "Key account approval"
    assert by_key["webui_flow"]["may_start"] is False
    assert Api(app, env, "clerk").get("/api/processes").get_json()["processes"][1]["may_start"]


def test_a_whole_process_through_the_api(app, env):
    manager, head, director, clerk = (Api(app, env, u) for u in (
        "senior_manager", "dept_head", "marketing_director", "clerk"))
    started = manager.post("/api/processes/webui_flow/instances",
                           {"data": {"source": "api"}, "business_key": "KA-1",
                            "customer_name": "华建路桥"})
    assert started.status_code == 201
    instance_id = started.get_json()["id"]
    assert started.headers["Location"].endswith(f"/api/instances/{instance_id}")
    mine = manager.get("/api/tasks").get_json()["tasks"]
    assert [t["instance_id"] for t in mine] == [instance_id]
    task = manager.get(f"/api/tasks/{mine[0]['id']}").get_json()
    assert task["form"]["title"] == "大客户开发申请" and task["data"]["source"] == "api"
    assert task["due_at"].startswith("2026-03-04") and task["overdue"] is False
    done = manager.post(f"/api/tasks/{task['id']}/complete", {"data": REGISTER_DATA})
    assert done.status_code == 200 and done.get_json()["state"] == "completed"

    offered = head.get("/api/tasks?scope=role").get_json()["tasks"]
    assert len(offered) == 1 and offered[0]["assignee"] is None
    review = offered[0]["id"]
    assert head.post(f"/api/tasks/{review}/claim").get_json()["assignee"] == "dept_head"
    assert head.post(f"/api/tasks/{review}/unclaim").get_json()["state"] == "ready"
    assert head.post(f"/api/tasks/{review}/complete",
                     {"data": {"decision": "approve"}}).status_code == 200
    approval = director.get("/api/tasks?scope=role").get_json()["tasks"][0]["id"]
    director.post(f"/api/tasks/{approval}/complete", {"data": {"director_decision": "approve"}})
    filing = clerk.get("/api/tasks?scope=all").get_json()["tasks"][0]["id"]
    assert clerk.post(f"/api/tasks/{filing}/complete",
                      {"data": {"account_number": "KA-0001"}}).status_code == 200

    instance = manager.get(f"/api/instances/{instance_id}").get_json()
    assert instance["status"] == "completed" and instance["tasks"] == []
    assert instance["business_key"] == "KA-1" and instance["data"]["account_number"] == "KA-0001"
    actions = [e["action"] for e in instance["history"]]
    assert actions[0] == "instance_started" and actions[-1] == "instance_completed"
    completed = [e for e in instance["history"] if e["action"] == "task_completed"]
    assert [e["actor"] for e in completed] == ["senior_manager", "dept_head",
                                               "marketing_director", "clerk"]
    assert completed[1]["data"]["data"] == {"decision": "approve"}


def test_task_filters(app, env, clock):
    env.start(customer="华建路桥")
    env.start(key="approval", customer="蓝天隧道")
    clock.advance(days=1, hours=1)
    api = Api(app, env, "senior_manager")
    assert [t["process"] for t in api.get("/api/tasks?overdue=true").get_json()["tasks"]] == [
        "approval"]
    assert [t["customer_name"] for t in api.get("/api/tasks?q=华建").get_json()["tasks"]] == [
        "华建路桥"]
    assert len(api.get("/api/tasks?process=webui_flow").get_json()["tasks"]) == 1
    tasks = api.get("/api/tasks").get_json()["tasks"]
    assert tasks[0]["overdue"] is True  # overdue first


def test_scope_all_for_admin_sees_every_open_task(app, env):
    env.start()
    env.to_head_review()
    assert len(Api(app, env, "admin").get("/api/tasks?scope=all").get_json()["tasks"]) == 2
    assert Api(app, env, "finance").get("/api/tasks?scope=all").get_json()["tasks"] == []


def test_deploy_by_upload(app, env):
    owner = Api(app, env, "process_owner")
    folder = DATA / "timer_wait"
    paths = [*folder.glob("*.bpmn"), *(folder / "forms").glob("*.json")]
    handles = [p.open("rb") for p in paths]
    try:
        response = owner.http.post(
            "/api/deployments", headers=owner.headers, content_type="multipart/form-data",
            data={"files": [(h, p.name) for h, p in zip(handles, paths, strict=True)]})
    finally:
        for h in handles:
            h.close()
    assert response.status_code == 201
    assert response.get_json()["processes"][0]["version"] == 1
    empty = owner.http.post("/api/deployments", headers=owner.headers, data={})
    assert empty.status_code == 422


def test_kpis(app, env, clock):
    instance_id, review = env.to_head_review()
    env.claim(review, "dept_head")
    clock.advance(days=2)  # the review (due after a day) is completed late
    env.complete(review, "dept_head", {"decision": "approve"})
    late = env.start()  # open, will be overdue
    clock.advance(days=3)
    api = Api(app, env, "dept_head")
    by_user = api.get("/api/kpis?from=2026-03-01&to=2026-03-31").get_json()
    groups = {g["key"]: g for g in by_user["groups"]}
    assert groups["senior_manager"]["tasks_completed"] == 1
    assert groups["senior_manager"]["on_time_rate"] == 1.0
    assert groups["dept_head"]["on_time_rate"] == 0.0
    assert by_user["overdue_now"] == 2  # the director's approval and the new registration
    steps = {s["step"]: s for s in by_user["steps"]}
    assert steps["head_review"]["mean_work_hours"] == 48.0
    assert by_user["processes"] == [{"process": "webui_flow", "started": 2, "completed": 0,
                                     "cancelled": 0}]
    assert by_user["approvals"] == [{"process": "webui_flow", "step": "head_review",
                                     "field": "decision", "outcomes": {"approve": 1}}]
    by_role = api.get("/api/kpis?by=role&from=2026-03-01").get_json()
    roles = {g["key"]: g for g in by_role["groups"]}
    assert roles["marketing_director"]["overdue_now"] == 1
    assert late and instance_id


def test_session_clients_use_the_same_api(client_for, env):
    _, review = env.to_head_review()
    client = client_for("dept_head")
    assert client.get("/api/tasks?scope=role").get_json()["tasks"][0]["id"] == review
    assert client.post_json(f"/api/tasks/{review}/claim").status_code == 200
