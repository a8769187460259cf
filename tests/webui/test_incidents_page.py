"""The incidents page, the instance page's incident actions, the header count and the JSON API."""

from __future__ import annotations

from incident_env import damage_state, deploy_quote, failed_quote, instance_row
from sqlalchemy import select
from test_api import Api

from engine.models import AuditEvent, HumanTask


def open_task_ids(env, instance_id):
    with env.session() as s:
        return list(s.scalars(select(HumanTask.bpmn_id).where(
            HumanTask.instance_id == instance_id, HumanTask.state.in_(("ready", "claimed")))))


def audit(env, instance_id, action):
    with env.session() as s:
        return list(s.scalars(select(AuditEvent).where(
            AuditEvent.instance_id == instance_id, AuditEvent.action == action)
            .order_by(AuditEvent.id)))


def test_the_page_lists_what_failed_where_and_since_when(client_for, env):
    deploy_quote(env, 1)
    instance_id = failed_quote(env)
    owner = client_for("process_owner")
    html = owner.get("/incidents").get_data(as_text=True)
    assert f'data-instance="{instance_id}"' in html
    assert "name &#39;discount_rate&#39; is not defined" in html
    assert "计算净价" in html and "<code>price_quote</code>" in html
    assert "2026-03-02 09:00" in html  # failing since, in the department's time (UTC+8)
    assert "华建路桥" in html and "senior_manager" in html
    assert 'class="retry"' in html and "migrate-retry" not in html
    assert f'href="/instances/{instance_id}"' in html

    deploy_quote(env, 2)
    html = owner.get("/incidents", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Compute the net price" in html
    assert "Move to version 2 and retry" in html


def test_the_header_and_the_start_page_count_incidents_for_owners_and_admins(client_for, env):
    deploy_quote(env, 1)
    failed_quote(env)
    failed_quote(env, amount=5)
    for user in ("process_owner", "admin"):
        html = client_for(user).get("/").get_data(as_text=True)
        assert 'data-count="incidents">2<' in html, user
        assert 'id="incidents-notice"' in html and "2 个流程实例因出错而停止" in html
    for user in ("senior_manager", "dept_head"):
        html = client_for(user).get("/").get_data(as_text=True)
        assert "nav-incidents" not in html and "incidents-notice" not in html


def test_move_to_the_fixed_version_and_retry_from_the_page(client_for, env):
    deploy_quote(env, 1)
    instance_id = failed_quote(env)
    owner = client_for("process_owner")
    again = owner.post(f"/incidents/{instance_id}/retry", follow_redirects=True)
    assert "重试再次失败" in again.get_data(as_text=True)
    assert instance_row(env, instance_id).status == "error"

    deploy_quote(env, 2)
    response = owner.post(f"/incidents/{instance_id}/retry", {"version": "2"})
    assert response.status_code == 302 and response.headers["Location"] == "/incidents"
    instance = instance_row(env, instance_id)
    assert (instance.status, instance.definition.version) == ("running", 2)
    assert open_task_ids(env, instance_id) == ["approve_quote"]
    assert [e.actor_id for e in audit(env, instance_id, "instance_retried")] == [
        env.user_id("process_owner")] * 2
    html = owner.get("/incidents").get_data(as_text=True)
    assert 'id="no-incidents"' in html and "实例 #1 已在第 2 版上恢复运行。" in html


def test_cancel_needs_a_reason_and_is_in_the_history(client_for, env):
    deploy_quote(env, 1)
    instance_id = failed_quote(env)
    admin = client_for("admin")
    refused = admin.post(f"/incidents/{instance_id}/cancel", {"reason": "  "})
    assert refused.status_code == 422
    assert instance_row(env, instance_id).status == "error"
    done = admin.post(f"/incidents/{instance_id}/cancel",
                      {"reason": "客户撤回", "back": "instance"})
    assert done.headers["Location"] == f"/instances/{instance_id}"
    assert instance_row(env, instance_id).status == "cancelled"
    html = admin.get(f"/instances/{instance_id}").get_data(as_text=True)
    assert 'data-action="instance_cancelled"' in html and "客户撤回" in html


def test_the_instance_page_offers_the_incident_actions_to_owners_only(client_for, env):
    deploy_quote(env, 1)
    instance_id = failed_quote(env)
    deploy_quote(env, 2)
    html = client_for("process_owner").get(f"/instances/{instance_id}").get_data(as_text=True)
    assert 'id="incident"' in html and "计算净价" in html
    assert 'name="version" value="2"' in html and 'name="back" value="instance"' in html
    starter = client_for("senior_manager").get(f"/instances/{instance_id}").get_data(
        as_text=True)
    assert 'id="incident"' not in starter
    assert "discount_rate" in starter and 'class="retry"' not in starter
    assert 'name="reason" maxlength="500" required' in starter  # the starter may cancel


def test_an_instance_whose_state_cannot_be_read_still_opens_and_cancels(client_for, env):
    deploy_quote(env, 1)
    instance_id = failed_quote(env)
    damage_state(env, instance_id)
    owner = client_for("process_owner")
    page = owner.get(f"/instances/{instance_id}")
    assert page.status_code == 200 and 'id="state-unreadable"' in page.get_data(as_text=True)
    assert owner.get("/incidents").status_code == 200
    owner.post(f"/incidents/{instance_id}/cancel", {"reason": "state lost"})
    assert instance_row(env, instance_id).status == "cancelled"
    [event] = audit(env, instance_id, "instance_cancelled")
    assert event.data["reason"] == "state lost" and event.data["state_unreadable"]


def test_the_api_lists_retries_and_cancels(app, env):
    deploy_quote(env, 1)
    instance_id = failed_quote(env)
    owner, admin = Api(app, env, "process_owner"), Api(app, env, "admin")
    body = owner.get("/api/incidents").get_json()
    assert body["count"] == 1
    [incident] = body["incidents"]
    other = failed_quote(env)
    assert incident["instance_id"] == instance_id and incident["process"] == "quote"
    assert (incident["element_id"], incident["element_name_en"]) == (
        "price_quote", "Compute the net price")
    assert incident["since"].startswith("2026-03-02T01:00") and incident["migration"] is None

    again = owner.post(f"/api/instances/{instance_id}/retry")
    assert again.status_code == 200 and again.get_json()["status"] == "error"
    assert "discount_rate" in again.get_json()["error"]["reason"]
    assert owner.post(f"/api/instances/{instance_id}/retry", {"version": 9}).status_code == 404
    assert owner.post(f"/api/instances/{instance_id}/retry",
                      {"version": "2"}).status_code == 422
    deploy_quote(env, 2)
    assert [i["migration"] for i in owner.get("/api/incidents").get_json()["incidents"]] == [
        {"version": 2, "movable": True, "reasons": []}] * 2
    fixed = owner.post(f"/api/instances/{instance_id}/retry", {"version": 2})
    assert fixed.status_code == 200
    assert (fixed.get_json()["status"], fixed.get_json()["version"]) == ("running", 2)
    conflict = admin.post(f"/api/instances/{instance_id}/retry")
    assert conflict.status_code == 409 and conflict.get_json()["error"] == "conflict"

    missing = admin.post(f"/api/instances/{other}/cancel", {})
    assert missing.status_code == 422 and "reason" in missing.get_json()["details"]
    assert admin.post(f"/api/instances/{other}/cancel", {"reason": 5}).status_code == 422
    cancelled = admin.post(f"/api/instances/{other}/cancel", {"reason": "duplicate quote"})
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    assert admin.post(f"/api/instances/{other}/cancel", {"reason": "x"}).status_code == 409
    assert audit(env, other, "instance_cancelled")[0].data["reason"] == "duplicate quote"
    assert owner.get("/api/incidents").get_json() == {"count": 0, "incidents": []}


def test_a_running_instance_is_cancelled_by_its_starter_without_a_reason(app, env):
    instance_id, _task = env.to_head_review()
    done = Api(app, env, "senior_manager").post(f"/api/instances/{instance_id}/cancel")
    assert done.status_code == 200 and done.get_json()["status"] == "cancelled"
