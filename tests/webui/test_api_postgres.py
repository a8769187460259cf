"""The API on the department's database: PostgreSQL (row locks, JSONB, real concurrency)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import attachment_files as files
import pytest
from webui_env import REGISTER_DATA, Client, Env, upload

pytestmark = pytest.mark.postgres


def test_flow_and_history_on_postgres(pg_app):
    env = Env(pg_app)
    instance_id, review = env.to_head_review()
    head = Client(pg_app, "dept_head")
    tasks = head.get("/api/tasks?scope=role&q=华建").get_json()["tasks"]
    assert [t["id"] for t in tasks] == [review]
    assert head.post_json(f"/api/tasks/{review}/claim").status_code == 200
    assert head.post_json(f"/api/tasks/{review}/complete",
                          {"data": {"decision": "reject"}}).status_code == 200
    body = head.get(f"/api/instances/{instance_id}").get_json()
    assert body["status"] == "completed"
    assert body["history"][2]["data"]["data"]["buyers"] == REGISTER_DATA["buyers"]
    kpis = head.get("/api/kpis?by=role&from=2026-03-01").get_json()
    assert kpis["approvals"][0]["outcomes"] == {"reject": 1}


def test_two_heads_claiming_at_once_one_wins_one_gets_409(pg_app):
    env = Env(pg_app)
    _, review = env.to_head_review()
    clients = [Client(pg_app, "dept_head"), Client(pg_app, "head2")]
    with ThreadPoolExecutor(2) as pool:
        statuses = sorted(pool.map(
            lambda c: c.post_json(f"/api/tasks/{review}/claim").status_code, clients))
    assert statuses == [200, 409]


def test_invalid_data_and_missing_objects_on_postgres(pg_app):
    env = Env(pg_app)
    instance_id = env.start()
    task = env.open_task(instance_id).id
    manager = Client(pg_app, "senior_manager")
    invalid = manager.post_json(f"/api/tasks/{task}/complete", {"data": {"volume": -1}})
    assert invalid.status_code == 422 and "volume" in invalid.get_json()["details"]
    assert Client(pg_app, "finance").get(f"/api/instances/{instance_id}").status_code == 404


def test_attachments_on_postgres(pg_app):
    env = Env(pg_app)
    instance_id = env.start()
    task = env.open_task(instance_id).id
    manager = Client(pg_app, "senior_manager")
    workbook = files.xlsx()
    created = upload(manager, f"/api/instances/{instance_id}/attachments", workbook,
                     "报价.xlsx", task_id=str(task))
    assert created.status_code == 201 and created.get_json()["task_id"] == task
    head = Client(pg_app, "dept_head")
    listed = head.get(f"/api/instances/{instance_id}/attachments").get_json()["attachments"]
    assert [(a["name"], a["media_type"]) for a in listed] == [
        ("报价.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")]
    got = head.get(listed[0]["url"])
    assert got.status_code == 200 and got.data == workbook
    assert Client(pg_app, "sm2").get(listed[0]["url"]).status_code == 404
