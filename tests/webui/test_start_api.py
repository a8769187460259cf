"""Starting over the API and the start page: hostile data is refused with nothing stored, and
a start that fails at once answers with the instance in `error`, never 500 (issue 9, 4/5)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from webui_env import DATA

from engine.accounts import create_token
from engine.deployment import Bundle
from engine.models import AuditEvent, HumanTask, ProcessInstance


def bearer(env, username):
    secret = env.run(lambda s, kf, u: create_token(s, kf.clock, u(username), "test"))
    return {"Authorization": f"Bearer {secret}", "Content-Type": "application/json"}


def counts(env):
    with env.session() as s:
        return tuple(s.scalar(select(func.count()).select_from(t))
                     for t in (ProcessInstance, AuditEvent, HumanTask))


HOSTILE_BODIES = {
    "typename": json.dumps({"data": {"order": {"typename": "BpmnWorkflow"}}}),
    "nested_900": '{"data": ' + '{"x": ' * 900 + "1" + "}" * 900 + "}",
    "string_20mb": json.dumps({"data": {"note": "x" * 20_000_000}}),
    "underscore": json.dumps({"data": {"_secret": 1, "ok": {"_deep": 2}}}),
}


@pytest.mark.parametrize("name", sorted(HOSTILE_BODIES))
def test_hostile_start_data_is_422_and_nothing_is_stored(app, env, name):
    before = counts(env)
    response = app.test_client().post("/api/processes/approval/instances",
                                      data=HOSTILE_BODIES[name],
                                      headers=bearer(env, "senior_manager"))
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    body = response.get_json()
    assert body["error"] == "invalid_data" and body["details"]
    assert counts(env) == before


@pytest.fixture
def data_timer(env):
    env.run(lambda s, kf, u: kf.deploy(s, Bundle.from_folder(
        DATA / "runtime_failures" / "data_timer")))


def test_a_start_that_fails_at_once_answers_201_with_the_error(app, env, data_timer):
    response = app.test_client().post("/api/processes/data_timer/instances",
                                      json={"data": {"wait_for": "P99999999D"}},
                                      headers=bearer(env, "senior_manager"))
    assert response.status_code == 201
    body = response.get_json()
    assert body["status"] == "error"
    assert "beyond the 10-year limit" in body["error"]["reason"]
    assert body["error"]["element_id"] == "wait"
    shown = app.test_client().get(response.headers["Location"],
                                  headers=bearer(env, "senior_manager"))
    assert shown.get_json()["status"] == "error"


def test_the_start_page_says_when_the_start_failed(env, client_for, data_timer):
    manager = client_for("senior_manager")
    # The start page sends no data; the timer expression reads a variable that is missing.
    response = manager.post("/processes/data_timer/start", {"customer_name": "华建路桥"},
                            headers={"Accept-Language": "en"})
    assert response.status_code == 302 and "/instances/" in response.headers["Location"]
    page = manager.get(response.headers["Location"], headers={"Accept-Language": "en"})
    text = page.get_data(as_text=True)
    assert "stopped at once with an error" in text and "wait_for" in text
