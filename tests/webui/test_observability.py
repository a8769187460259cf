"""Request ids, the request log line, /metrics for admins' tokens, route labels."""

from __future__ import annotations

import json
import logging
import re
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select
from webui_env import PASSWORD

from engine.accounts import create_token
from engine.customer_links import LinkSigner
from engine.deployment import Bundle
from engine.models import AuditEvent, Notification
from engine.observability.logs import JsonFormatter, TextFormatter
from engine.reminders import PolicyBook, ReminderConfig, write_reminders

LINK_BUNDLE = Path(__file__).parents[1] / "workers" / "data" / "visit_reminders"
LINK_KEY = b"customer-link-test-key"


@pytest.fixture
def app_config():
    return {"CUSTOMER_LINK_KEY": LINK_KEY}


def token_of(env, username):
    return env.run(lambda s, kf, u: create_token(s, kf.clock, u(username), "test"))


def bearer(secret):
    return {"Authorization": f"Bearer {secret}"}


def samples(text):
    """{(name, sorted labels): value} of an exposition."""
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def test_a_sane_request_id_is_kept_echoed_and_written_on_the_rows(app, env):
    # A head starts it for the senior manager, who is mailed their first task.
    http, secret = app.test_client(), token_of(env, "dept_head")
    response = http.post("/api/processes/webui_flow/instances",
                         json={"data": {}, "owner": "senior_manager"},
                         headers={**bearer(secret), "X-Request-ID": "lb-7f3a9c01e2"})
    assert response.status_code == 201 and response.headers["X-Request-ID"] == "lb-7f3a9c01e2"
    instance_id = response.get_json()["id"]
    with env.session() as s:
        assert set(s.scalars(select(AuditEvent.request_id)
                             .where(AuditEvent.instance_id == instance_id))) == {"lb-7f3a9c01e2"}
        assert set(s.scalars(select(Notification.request_id)
                             .where(Notification.instance_id == instance_id))) == {"lb-7f3a9c01e2"}


@pytest.mark.parametrize("offered", [None, "short", "bad id with spaces", "x" * 100])
def test_a_missing_or_odd_request_id_is_replaced_by_a_fresh_one(client_for, offered):
    headers = {"X-Request-ID": offered} if offered else {}
    first = client_for(None).get("/healthz", headers=headers).headers["X-Request-ID"]
    second = client_for(None).get("/healthz", headers=headers).headers["X-Request-ID"]
    assert first != offered and len(first) == 32 and first != second


def test_every_answer_carries_its_request_id(client_for):
    for path in ("/", "/no/such/page", "/login", "/api/tasks"):
        assert len(client_for(None).get(path).headers["X-Request-ID"]) == 32


@pytest.mark.parametrize(("who", "how", "status"), [
    (None, None, 401), ("admin", "session", 401), (None, "bad token", 401),
    ("senior_manager", "token", 403), ("process_owner", "token", 403), ("admin", "token", 200),
])
def test_metrics_answer_an_admins_bearer_token_only(app, env, client_for, who, how, status):
    client = client_for(who if how == "session" else None)
    headers = {}
    if how == "token":
        headers = bearer(token_of(env, who))
    elif how == "bad token":
        headers = bearer("kf_not-a-token-of-anyone-at-all")
    response = client.get("/metrics", headers=headers)
    assert response.status_code == status
    if status == 401:
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    if status == 200:
        assert response.mimetype == "text/plain"
        assert "keyflow_tasks_open" in response.get_data(as_text=True)


def test_routes_are_url_rules_never_paths_ids_or_link_tokens(app, env):
    http, admin = app.test_client(), bearer(token_of(env, "admin"))
    manager = bearer(token_of(env, "senior_manager"))
    instance_id = env.start()
    task_id = env.open_task(instance_id).id
    http.get(f"/api/tasks/{task_id}", headers=manager)
    http.get(f"/api/tasks/{task_id + 1000}", headers=manager)
    http.get("/c/42/7.1767225600.Zm9vYmFyYmF6cXV4.c2lnbmF0dXJl")
    http.get("/no/such/page/12345")
    text = http.get("/metrics", headers=admin).get_data(as_text=True)
    counted = samples(text)

    def requests(route, method, status):
        return counted.get(("keyflow_http_requests_total", (
            ("method", method), ("route", route), ("status", status))))

    assert requests("/api/tasks/<int:task_id>", "GET", "200") == 1
    assert requests("/api/tasks/<int:task_id>", "GET", "404") == 1
    assert requests("/c/<int:task_id>/<token>", "GET", "404") == 1
    assert requests("unmatched", "GET", "404") == 1
    # Label values only: a sample's float value may contain any digits (0.00292527100100…).
    labels = {value for _name, pairs in counted for _label, value in pairs}
    for secret in ("Zm9vYmFy", str(task_id + 1000), "12345"):
        assert not any(secret in value for value in labels), secret
    assert "Zm9vYmFy" not in text
    assert counted[("keyflow_http_request_seconds_count", (
        ("method", "GET"), ("route", "/api/tasks/<int:task_id>"), ("status", "200")))] == 1


def customer_link(env, clock) -> str:
    """A real one-time link path for a customer task (as the tick mails it)."""
    env.run(lambda s, kf, u: kf.deploy(s, Bundle.from_folder(LINK_BUNDLE)))
    visit = (clock.now() + timedelta(days=5)).isoformat()
    instance_id = env.start("visit_reminders", data={
        "customer_email": "buyer@customer.test", "customer_language": "en",
        "visit_at": visit, "appointment_date": visit[:10]}, customer="Huajian")
    env.complete(env.open_task(instance_id).id, "senior_manager", {})
    config = ReminderConfig(ZoneInfo("Asia/Shanghai"), None, "http://kf.test", timedelta(days=7))
    with env.session() as s:
        write_reminders(s, env.kf.runtime, PolicyBook(env.kf.runtime.specs), LinkSigner(LINK_KEY),
                        config)
        s.commit()
        body = s.scalars(select(Notification.body).where(
            Notification.kind == "customer_link", Notification.instance_id == instance_id)).one()
    return "/c/" + body.split("http://kf.test/c/")[1].split()[0]


def test_one_log_line_per_request_with_its_fields_and_no_secret(app, env, clock, caplog):
    link = customer_link(env, clock)
    secret = token_of(env, "senior_manager")
    caplog.set_level(logging.DEBUG)
    http = app.test_client()
    page = http.get("/login").get_data(as_text=True)
    csrf = page.split('name="csrf_token" value="')[1].split('"')[0]
    signed_in = http.post("/login", data={"username": "admin", "password": PASSWORD,
                                          "csrf_token": csrf})
    assert signed_in.status_code == 302
    cookie = http.get_cookie("session").value
    assert http.get("/", headers={"X-Request-ID": "req-inbox-0001"}).status_code == 200
    api = app.test_client().get("/api/tasks?scope=mine", headers=bearer(secret))
    assert api.status_code == 200
    assert app.test_client().get(link).status_code == 200

    requests = [r for r in caplog.records if r.name == "keyflow.request"]
    assert [(r.method, r.route, r.status) for r in requests] == [
        ("GET", "/login", 200), ("POST", "/login", 302), ("GET", "/", 200),
        ("GET", "/api/tasks", 200), ("GET", "/c/<int:task_id>/<token>", 200)]
    inbox = json.loads(JsonFormatter().format(requests[2]))
    assert inbox["request_id"] == "req-inbox-0001" and inbox["user_id"] == env.user_id("admin")
    assert inbox["auth"] == "session" and inbox["duration_ms"] >= 0
    assert json.loads(JsonFormatter().format(requests[3]))["auth"] == "token"
    assert json.loads(JsonFormatter().format(requests[4]))["task_id"] == int(link.split("/")[2])
    lines = "\n".join(f(record) for record in caplog.records
                      for f in (JsonFormatter().format, TextFormatter().format))
    link_token = link.split("/")[3]
    for leaked in (PASSWORD, secret, secret[3:15], link_token, link_token[:20], cookie, csrf,
                   "test-secret"):
        assert leaked not in lines


DASHBOARD = Path(__file__).parents[2] / "webui" / "observability" / "grafana-dashboard.json"


def test_the_grafana_dashboard_asks_only_for_metrics_keyflow_exports(app, env):
    text = app.test_client().get("/metrics", headers=bearer(token_of(env, "admin"))) \
        .get_data(as_text=True)
    exported = {family.name for family in text_string_to_metric_families(text)}
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    asked = {name for panel in dashboard["panels"] for target in panel["targets"]
             for name in re.findall(r"keyflow_[a-z_]+", target["expr"])}
    suffixes = ("_total", "_bucket", "_count", "_sum")
    assert len(asked) >= 14
    for name in asked:
        base = next((name.removesuffix(s) for s in suffixes if name.endswith(s)), name)
        assert name in exported or base in exported, name
