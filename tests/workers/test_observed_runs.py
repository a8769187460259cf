"""After a workflow run — a start and a completion over HTTP, a tick, a relay into a real SMTP
server — /metrics shows what happened, and the worker's log lines carry the request ids.

The worker tasks run in this process with `apply()`, exactly as the embedded beat runs them.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from engine.accounts import create_token, create_user
from engine.db import make_db_engine, make_session_factory
from engine.deployment import Bundle
from engine.models import HumanTask, Notification
from engine.schema import upgrade
from engine.settings import Settings
from webui import create_app
from workers.clock import FileClock
from workers.context import WorkerContext, use_context
from workers.tasks import fire_timers, relay, remind

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
APPROVAL = Path(__file__).parents[1] / "data" / "approval"
SUBMIT = {"title": "Tunnel site", "amount": 900, "costs": 100}


@pytest.fixture
def department(tmp_path, smtp):
    """An app and a worker context on one SQLite database, one file clock, a real SMTP server."""
    url = f"sqlite:///{tmp_path / 'kf.db'}"
    db = make_db_engine(url)
    upgrade(db)
    clock = FileClock(tmp_path / "clock.txt")
    clock.set(T0)
    sessions = make_session_factory(db)
    tokens = {}
    with sessions.begin() as s:
        for name, role in (("manager", "senior_manager"), ("head", "dept_head"),
                           ("admin", "admin")):
            user = create_user(s, clock, name, [role], email=f"{name}@example.test",
                               language="en")
            tokens[name] = {"Authorization": f"Bearer {create_token(s, clock, user, 'test')}"}
    settings = Settings(database_url=url, smtp_url=f"smtp://127.0.0.1:{smtp.port}?timeout=10",
                        var_dir=str(tmp_path / "var"), secret_key="test-secret",
                        clock_file=str(clock.path), digest_at="off", base_url="http://kf.test")
    app = create_app(test_config={"TESTING": True, "CLOCK": clock}, settings=settings)
    with sessions.begin() as s:
        app.extensions["keyflow.engine"].deploy(s, Bundle.from_folder(APPROVAL))
    use_context(WorkerContext.build(settings))
    yield app, sessions, clock, tokens
    use_context(None)
    app.extensions["keyflow.db_engine"].dispose()
    db.dispose()


def scrape(app, tokens):
    """{(name, labels as a sorted tuple): value} from /metrics, read with the admin's token."""
    response = app.test_client().get("/metrics", headers=tokens["admin"])
    assert response.status_code == 200
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(response.get_data(as_text=True))
            for s in family.samples}


def run(task):
    result = task.apply()
    assert not result.failed(), result.result
    return result


def test_metrics_and_worker_logs_after_a_workflow_run(department, smtp, caplog):
    app, sessions, clock, tokens = department
    caplog.set_level(logging.INFO)
    http = app.test_client()
    # The head starts it for the manager, who is mailed their first task.
    started = http.post("/api/processes/approval/instances",
                        json={"data": {}, "owner": "manager"},
                        headers={**tokens["head"], "X-Request-ID": "req-start-000001"})
    assert started.status_code == 201
    instance_id = started.get_json()["id"]
    with sessions() as s:
        submit = s.scalars(select(HumanTask.id).where(HumanTask.instance_id == instance_id)).one()
    done = http.post(f"/api/tasks/{submit}/complete", json={"data": SUBMIT},
                     headers={**tokens["manager"], "X-Request-ID": "req-complete-0001"})
    assert done.status_code == 200

    clock.set(T0 + timedelta(days=2, hours=12))  # the review (due in two days) is overdue
    run(fire_timers)
    run(remind)
    before = scrape(app, tokens)
    with sessions() as s:
        pending = s.scalars(select(Notification).where(Notification.status == "pending")).all()
    assert len(pending) >= 2
    assert before[("keyflow_outbox_pending", ())] == len(pending)
    assert before[("keyflow_outbox_oldest_pending_seconds", ())] == 2.5 * 86400
    assert before[("keyflow_tick_seconds_count", (("task", "keyflow.fire_timers"),))] == 1
    assert before[("keyflow_tick_seconds_count", (("task", "keyflow.remind"),))] == 1
    assert ("keyflow_tick_seconds_count", (("task", "keyflow.relay"),)) not in before

    relay_run = run(relay)
    after = scrape(app, tokens)
    assert len(smtp.messages) == len(pending)
    assert after[("keyflow_mail_sent_total", ())] == len(pending)
    assert after[("keyflow_mail_failed_total", ())] == 0
    assert after[("keyflow_outbox_pending", ())] == 0
    assert after[("keyflow_outbox_oldest_pending_seconds", ())] == 0
    assert after[("keyflow_tasks_open", (("process", "approval"), ("role", "dept_head")))] == 1
    assert after[("keyflow_tasks_overdue", (("process", "approval"), ("role", "dept_head")))] == 1
    assert after[("keyflow_instances", (("process", "approval"), ("status", "running")))] == 1
    assert after[("keyflow_incidents_open", ())] == 0
    for task in ("keyflow.fire_timers", "keyflow.remind", "keyflow.relay"):
        assert after[("keyflow_tick_seconds_count", (("task", task),))] == 1
        assert after[("keyflow_tick_seconds_sum", (("task", task),))] >= 0
        assert after[("keyflow_tick_failed_runs_total", (("task", task),))] == 0
        assert after[("keyflow_tick_last_run_timestamp_seconds", (("task", task),))] == \
            clock.now().timestamp()
    assert after[("keyflow_database_up", ())] == 1

    def requests(route, status):
        return after[("keyflow_http_requests_total", (
            ("method", "POST"), ("route", route), ("status", status)))]

    assert requests("/api/processes/<key>/instances", "201") == 1
    assert requests("/api/tasks/<int:task_id>/complete", "200") == 1
    assert after[("keyflow_http_requests_total", (
        ("method", "GET"), ("route", "/metrics"), ("status", "200")))] == 1  # the first scrape

    # The worker's lines: one per run, one per mail with the id of what wrote the mail.
    runs = {r.task: r for r in caplog.records if r.name == "keyflow.worker"}
    assert {(t, r.status) for t, r in runs.items()} == {
        ("keyflow.fire_timers", "ok"), ("keyflow.remind", "ok"), ("keyflow.relay", "ok")}
    assert runs["keyflow.relay"].run_id == relay_run.id and runs["keyflow.relay"].result == \
        len(pending)
    mails = {r.key: r for r in caplog.records if getattr(r, "notification_id", None)}
    assigned = mails[f"task:{submit}:assigned"]
    assert (assigned.request_id, assigned.run_id, assigned.instance_id, assigned.status) == (
        "req-start-000001", relay_run.id, instance_id, "sent")
    # The review's arrival in the heads' pool was mailed by the request that completed submit.
    offered = [r for key, r in mails.items() if ":offered:" in key]
    assert offered and {r.request_id for r in offered} == {"req-complete-0001"}
    reminders = [r for key, r in mails.items()
                 if key != f"task:{submit}:assigned" and ":offered:" not in key]
    assert reminders and {r.request_id for r in reminders} == {runs["keyflow.remind"].run_id}
