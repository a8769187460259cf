"""What every request goes through, made cheaper, still does: the session cookie, the request
log record, CSRF for cookie writes only, token use noted."""

from __future__ import annotations

import logging

from sqlalchemy import select

from engine.accounts import create_token
from engine.models import ApiToken


def token_of(env, username):
    return env.run(lambda s, kf, u: create_token(s, kf.clock, u(username), "test"))


def test_a_signed_in_page_varies_on_the_cookie_and_sign_out_rewrites_it(client_for):
    client = client_for("admin")
    page = client.get("/")
    assert page.status_code == 200 and "Cookie" in page.headers.get("Vary", "")
    signed_out = client.post("/logout")
    assert signed_out.status_code == 302 and "session=" in signed_out.headers["Set-Cookie"]
    assert client.get("/").status_code == 302  # to the sign-in page: the session is over


def test_an_unreadable_cookie_on_an_open_page_sets_nothing(app):
    http = app.test_client()
    http.set_cookie("session", "not-a-signed-session")
    response = http.get("/healthz")
    assert response.status_code == 200 and "Set-Cookie" not in response.headers


def test_a_bearer_write_needs_no_csrf_token_and_a_cookie_write_does(app, env, client_for):
    secret = token_of(env, "senior_manager")
    started = app.test_client(use_cookies=False).post(
        "/api/processes/webui_flow/instances", json={"data": {}},
        headers={"Authorization": f"Bearer {secret}"})
    assert started.status_code == 201
    cookie = client_for("senior_manager")
    refused = cookie.http.post("/api/processes/webui_flow/instances", json={"data": {}})
    assert refused.status_code == 400


def test_the_request_record_names_its_caller_and_carries_the_fields(app, env, caplog):
    secret = token_of(env, "senior_manager")
    caplog.set_level(logging.INFO, logger="keyflow.request")
    response = app.test_client(use_cookies=False).get(
        "/api/tasks?scope=mine", headers={"Authorization": f"Bearer {secret}",
                                          "X-Request-ID": "req-pipeline-01"})
    assert response.status_code == 200
    assert response.headers["X-Request-ID"] == "req-pipeline-01"
    [record] = [r for r in caplog.records if r.name == "keyflow.request"]
    assert record.getMessage() == "GET /api/tasks 200"
    assert (record.funcName, record.filename) == ("_account", "requests.py")
    assert (record.request_id, record.route, record.status, record.auth) == (
        "req-pipeline-01", "/api/tasks", 200, "token")
    assert record.user_id == env.user_id("senior_manager")


def test_a_tokens_use_is_noted_after_the_request(app, env):
    secret = token_of(env, "senior_manager")
    assert app.test_client(use_cookies=False).get(
        "/api/tasks", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    with env.session() as s:
        used = s.scalars(select(ApiToken.last_used_at)).all()
    assert any(when is not None for when in used)
