"""Sessions end when they should: a cookie captured before sign-out, a password change, an
admin's password reset or a deactivation is worth nothing afterwards, on every device."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from webui_env import PASSWORD, Client, Env

from engine.accounts import create_token
from engine.models import ApiToken, User

NEW_PASSWORD = "another-horse-2"


def signed_in(app: Flask, username: str = "clerk", password: str = PASSWORD) -> FlaskClient:
    """A browser that signed in through the form."""
    http = app.test_client()
    page = http.get("/login")
    token = re.search(rb'name="csrf_token" value="([^"]+)"', page.data).group(1).decode()
    response = http.post("/login", data={"csrf_token": token, "username": username,
                                         "password": password})
    assert response.status_code == 302
    return http


def csrf_of(http: FlaskClient) -> str:
    """The CSRF token the signed-in pages carry."""
    page = http.get("/profile")
    assert page.status_code == 200
    return re.search(r'name="csrf-token" content="([^"]+)"', page.get_data(as_text=True)).group(1)


def replay(app: Flask, cookie: str) -> FlaskClient:
    """A fresh client carrying a captured session cookie (an attacker's copy)."""
    http = app.test_client()
    http.set_cookie("session", cookie)
    return http


def _admin_posts(app: Flask, env: Env, data: dict[str, str]) -> None:
    admin = Client(app, "admin")
    user_id = env.user_id("clerk")
    form = {"roles": "clerk", "display_name": "clerk user", "email": "clerk@example.test"}
    form.update(data)
    assert admin.post(f"/admin/users/{user_id}", form).status_code == 302


def sign_out(app: Flask, env: Env, victim: FlaskClient) -> None:
    """The user signs out on the captured device."""
    assert victim.post("/logout", data={"csrf_token": csrf_of(victim)}).status_code == 302


def change_password(app: Flask, env: Env, victim: FlaskClient) -> None:
    """The user changes their password on another device, which stays signed in."""
    other = signed_in(app)
    response = other.post("/profile/password", data={
        "csrf_token": csrf_of(other), "current_password": PASSWORD,
        "new_password": NEW_PASSWORD})
    assert response.status_code == 302
    assert other.get("/").status_code == 200
    assert signed_in(app, password=NEW_PASSWORD).get("/").status_code == 200


def reset_password(app: Flask, env: Env, victim: FlaskClient) -> None:
    """An admin sets a new password."""
    _admin_posts(app, env, {"active": "on", "password": NEW_PASSWORD})


def deactivate(app: Flask, env: Env, victim: FlaskClient) -> None:
    """An admin deactivates the user."""
    _admin_posts(app, env, {})


EVENTS: list[Callable[[Flask, Env, FlaskClient], None]] = [
    sign_out, change_password, reset_password, deactivate]


@pytest.mark.parametrize("event", EVENTS, ids=lambda e: e.__name__)
def test_a_captured_cookie_is_dead_after(app, env, event):
    victim = signed_in(app)
    csrf = csrf_of(victim)
    cookie = victim.get_cookie("session").value
    before = replay(app, cookie)
    assert before.get("/").status_code == 200  # the copy works until the event

    event(app, env, victim)

    page = replay(app, cookie).get("/")
    assert page.status_code == 302 and page.headers["Location"].startswith("/login")
    assert replay(app, cookie).get("/api/tasks").status_code == 401
    made = replay(app, cookie).post("/profile/tokens", data={"csrf_token": csrf,
                                                             "name": "stolen"})
    assert made.status_code == 302 and made.headers["Location"].startswith("/login")
    with env.session() as s:
        assert s.scalar(select(func.count()).select_from(ApiToken)
                        .where(ApiToken.name == "stolen")) == 0


def test_deactivation_revokes_api_tokens_for_good(app, env):
    secret = env.run(lambda s, kf, u: create_token(s, kf.clock, u("clerk"), "laptop"))
    bearer = {"Authorization": f"Bearer {secret}"}
    assert app.test_client().get("/api/tasks", headers=bearer).status_code == 200
    deactivate(app, env, signed_in(app))
    assert app.test_client().get("/api/tasks", headers=bearer).status_code == 401
    _admin_posts(app, env, {"active": "on"})  # back again: the old token stays revoked
    assert app.test_client().get("/api/tasks", headers=bearer).status_code == 401
    with env.session() as s:
        assert s.scalar(select(ApiToken.revoked_at).where(ApiToken.name == "laptop"))


def test_an_inactive_users_bearer_token_is_refused(app, env):
    secret = env.run(lambda s, kf, u: create_token(s, kf.clock, u("clerk"), "script"))
    with env.session() as s:
        s.scalars(select(User).where(User.username == "clerk")).one().active = False
        s.commit()
    response = app.test_client().get("/api/tasks", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 401


def test_a_wrong_current_password_changes_nothing(app, env):
    http = signed_in(app)
    response = http.post("/profile/password", data={
        "csrf_token": csrf_of(http), "current_password": "not-it",
        "new_password": NEW_PASSWORD})
    assert response.status_code == 422
    assert "当前密码不正确" in response.get_data(as_text=True)
    assert http.get("/").status_code == 200
    assert signed_in(app).get("/").status_code == 200  # the old password still works


def test_the_cookie_signer_is_built_once_per_secret_key(app):
    sessions = app.session_interface
    first = sessions.get_signing_serializer(app)
    assert sessions.get_signing_serializer(app) is first
    saved = app.secret_key
    try:
        app.secret_key = "another key"
        assert sessions.get_signing_serializer(app) is not first
    finally:
        app.secret_key = saved
    assert sessions.get_signing_serializer(app) is first


def test_a_request_without_cookies_gets_an_empty_session_and_sets_none(app):
    client = app.test_client(use_cookies=False)
    response = client.get("/healthz")
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
    assert "Cookie" not in response.headers.get("Vary", "")
