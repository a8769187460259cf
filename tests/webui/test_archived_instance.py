"""An archived instance (retention dropped its state) on its page, in the API and in the
indicators: the diagram with the path taken, the history and the KPIs stay as they were."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session
from webui_env import PASSWORD, live_app

from engine.retention import RetentionPolicy, sweep
from engine.workflow_engine import WorkflowEngine

SUBMIT = {"title": "板房", "amount": 100, "costs": 40}
TZ = ZoneInfo("Asia/Shanghai")


def approved(env, review_id: list[int] | None = None) -> int:
    """An approval instance run to its end (submitted, approved by the head)."""
    instance_id = env.start("approval")
    env.complete(env.open_task(instance_id).id, "senior_manager", SUBMIT)
    review = env.open_task(instance_id).id
    env.claim(review, "dept_head")
    env.complete(review, "dept_head", {"decision": "approve"})
    if review_id is not None:
        review_id.append(review)
    return instance_id


def archive_all(env, now) -> list[int]:
    """Run retention (30 days) as the worker does, one transaction per instance."""

    @contextmanager
    def transaction() -> Iterator[Session]:
        with env.session() as session, session.begin():
            yield session

    return sweep(transaction, env.kf, RetentionPolicy(days=30), now, TZ).archived


def diagram_marks(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-(completed|active|taken)="([^"]*)"', html))


def history(html: str) -> str:
    return html.split('id="history"', 1)[1].split("</ol>", 1)[0]


def test_the_page_and_the_api_keep_path_and_history(env, client_for, clock):
    review: list[int] = []
    instance_id = approved(env, review)
    manager = client_for("senior_manager")
    page = manager.get(f"/instances/{instance_id}").get_data(as_text=True)
    api = manager.get(f"/api/instances/{instance_id}").get_json()
    assert api["data"]["net_value"] == 60 and api["archived_at"] is None
    clock.advance(days=31)
    assert archive_all(env, clock.now()) == [instance_id]

    response = manager.get(f"/instances/{instance_id}")
    assert response.status_code == 200
    archived_page = response.get_data(as_text=True)
    marks = diagram_marks(archived_page)
    assert marks == diagram_marks(page)
    assert {"submit", "review", "approved_end"} <= set(marks["completed"].split())
    assert "review>decision_gateway" in marks["taken"]
    assert history(archived_page) == history(page)
    assert 'id="archived"' in archived_page and 'id="state-unreadable"' not in archived_page
    assert manager.get(f"/instances/{instance_id}/diagram.bpmn").status_code == 200

    after = manager.get(f"/api/instances/{instance_id}").get_json()
    assert after["history"] == api["history"] and after["status"] == "completed"
    assert after["data"] == {} and after["archived_at"] is not None
    # Its finished tasks still open, with what was submitted.
    head = client_for("dept_head")
    task_page = head.get(f"/tasks/{review[0]}")
    assert task_page.status_code == 200 and "approve" in task_page.get_data(as_text=True)
    assert head.get(f"/api/tasks/{review[0]}").get_json()["state"] == "completed"


def test_the_indicators_for_the_period_are_unchanged(env, client_for, clock):
    approved(env)
    approved(env)
    clock.advance(days=1)
    running = env.start("approval")
    env.complete(env.open_task(running).id, "senior_manager", SUBMIT)
    clock.advance(days=40)
    head = client_for("dept_head")
    queries = [f"/api/kpis?from=2026-03-01&to=2026-03-31&by={by}" for by in ("user", "role")]
    before = [head.get(q).get_json() for q in queries]
    assert before[0]["groups"] and before[0]["steps"]  # there is something to keep
    assert len(archive_all(env, clock.now())) == 2
    assert [head.get(q).get_json() for q in queries] == before


@pytest.fixture
def live_server(prepared_db: Path, tmp_path: Path) -> Iterator[tuple[str, object]]:
    """The app on a free loopback port, in a thread, on its own copy of the database."""
    with live_app(prepared_db, tmp_path) as served:
        yield served


def test_chromium_draws_the_archived_path(browser, live_server):
    from webui_env import Env

    base, app = live_server
    env = Env(app)
    instance_id = approved(env)
    kf: WorkflowEngine = env.kf
    with env.session() as s:
        now = kf.clock.now()
        assert kf.archive_instance(s, instance_id, now + timedelta(seconds=1), now)
        s.commit()
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    page.goto(f"{base}/login")
    page.fill("#username", "senior_manager")
    page.fill("#password", PASSWORD)
    page.click("#sign-in")
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/instances/{instance_id}")
    page.wait_for_selector('#diagram[data-ready="true"]')

    def classes(element_id: str) -> str:
        return page.get_attribute(f'g.djs-element[data-element-id="{element_id}"]',
                                  "class") or ""

    for done in ("start", "submit", "compute", "review", "decision_gateway", "approved_end"):
        assert "kf-done" in classes(done), done
    assert "kf-taken" in classes("flow_approve")
    assert "kf-done" not in classes("rejected_end") and "kf-taken" not in classes("flow_reject")
    assert page.is_visible("#archived")
    context.close()
