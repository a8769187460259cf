"""Sign-in, sign-out, rate limiting, CSRF, bearer tokens, the profile's tokens, SECRET_KEY."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select
from sqlalchemy.exc import InvalidRequestError
from webui_env import PASSWORD, make_app

from engine.accounts import create_token, deactivate_user
from engine.models import ApiToken, User


def login_form(client):
    page = client.get("/login")
    assert page.status_code == 200
    return re.search(rb'name="csrf_token" value="([^"]+)"', page.data).group(1).decode()


def sign_in(client, username, password=PASSWORD, **extra):
    token = login_form(client)
    return client.post("/login", data={"csrf_token": token, "username": username,
                                       "password": password, **extra})


def test_sign_in_sets_a_hardened_session_cookie_and_goes_to_next(app):
    http = app.test_client()
    response = sign_in(http, "dept_head", next="/processes")
    assert response.status_code == 302
    assert response.headers["Location"] == "/processes"
    cookie = response.headers.get("Set-Cookie")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert http.get("/").status_code == 200


HOSTILE_NEXT = [
    "//evil.example/x", "///evil.example", "/\\evil.example", "\\\\evil.example",
    "/\t/evil.example", "/\n/evil.example", "/\r\n/evil.example", "\t//evil.example",
    " //evil.example", "\x00//evil.example", "/\x0b/evil.example", "/\t\\evil.example",
    "https://evil.example", "HTTPS:evil.example", "javascript:alert(1)",
    " JaVaScRiPt:alert(1)", "%2F%2Fevil.example", "/%2F%2Fevil.example", "/%09/evil.example",
    "/tasks/1\r\nSet-Cookie: a=b", "http:/\\evil.example",
]


def assert_same_site(location: str) -> None:
    """A Location a browser resolves on this site (it drops tabs and newlines first)."""
    as_browser_reads = location.replace("\t", "").replace("\n", "").replace("\r", "").strip()
    parts = urlsplit(as_browser_reads)
    assert not parts.scheme and not parts.netloc, location
    assert as_browser_reads.startswith("/") and not as_browser_reads.startswith("//"), location
    assert "\\" not in as_browser_reads and location == as_browser_reads, location


def test_next_never_leaves_the_site(app):
    response = sign_in(app.test_client(), "clerk", next="//evil.example/x")
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_hostile_next_stays_on_the_site_and_never_fails(app, client_for, target):
    signed_in = sign_in(app.test_client(), "clerk", next=target)
    already = client_for("clerk").get("/login", query_string={"next": target})
    switched = client_for("clerk").post("/lang", {"lang": "en", "next": target})
    for response in (signed_in, already, switched):
        if "\x00" in target:  # NUL in any input is refused at the edge (webui/request_input.py)
            assert response.status_code == 422
            continue
        assert response.status_code == 302
        assert_same_site(response.headers["Location"])


def test_a_local_next_is_kept(app):
    response = sign_in(app.test_client(), "clerk", next="/customers?q=%E5%8D%8E")
    assert response.headers["Location"] == "/customers?q=%E5%8D%8E"


@pytest.mark.parametrize("username,password", [("dept_head", "wrong"), ("ghost", PASSWORD)])
def test_wrong_credentials_are_refused_alike(app, username, password):
    response = sign_in(app.test_client(), username, password)
    assert response.status_code == 401
    assert "用户名或密码错误" in response.get_data(as_text=True)


def test_deactivated_user_cannot_sign_in_and_loses_the_session(app, env, client_for):
    client = client_for("clerk")
    assert client.get("/").status_code == 200
    with env.session() as s:
        s.scalars(select(User).where(User.username == "clerk")).one().active = False
        s.commit()
    assert client.get("/").status_code == 302  # back to the sign-in page
    assert sign_in(app.test_client(), "clerk").status_code == 401


def test_failed_sign_ins_are_rate_limited_per_user_and_address(app):
    http = app.test_client()
    for _ in range(5):
        assert sign_in(http, "head2", "nope").status_code == 401
    limited = sign_in(http, "head2", PASSWORD)
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) > 0
    assert "尝试次数过多" in limited.get_data(as_text=True)
    assert sign_in(http, "dept_head").status_code == 302  # another user is not affected


def test_the_limit_holds_across_web_processes(app, clock, tmp_path):
    """Two apps on one database stand for two gunicorn workers: failures add up."""
    other = make_app(app.config["DATABASE_URL"], clock, tmp_path / "other")
    for http in (app.test_client(), other.test_client(), app.test_client()):
        assert sign_in(http, "head2", "nope").status_code == 401
    for http in (other.test_client(), app.test_client()):
        assert sign_in(http, "head2", "nope").status_code == 401
    assert sign_in(other.test_client(), "head2", PASSWORD).status_code == 429
    clock.advance(minutes=5, seconds=1)
    assert sign_in(other.test_client(), "head2", PASSWORD).status_code == 302
    other.extensions["keyflow.db_engine"].dispose()


def test_logout_needs_csrf_and_ends_the_session(client_for):
    client = client_for("clerk")
    assert client.http.post("/logout").status_code == 400
    assert client.post("/logout").status_code == 302
    assert client.get("/").status_code == 302


def test_pages_redirect_to_sign_in_and_api_answers_401(app):
    http = app.test_client()
    page = http.get("/tasks/1")
    assert page.status_code == 302 and page.headers["Location"].startswith("/login?next=")
    api = http.get("/api/tasks")
    assert api.status_code == 401
    assert api.get_json()["error"] == "unauthorized"
    assert api.headers["WWW-Authenticate"].startswith("Bearer")


def test_form_posts_without_the_csrf_token_are_refused(client_for, env):
    _, task_id = env.to_head_review()
    client = client_for("dept_head")
    response = client.http.post(f"/tasks/{task_id}/claim", data={})
    assert response.status_code == 400
    assert "表单已过期" in response.get_data(as_text=True)
    wrong = client.http.post(f"/tasks/{task_id}/claim", data={"csrf_token": "forged"})
    assert wrong.status_code == 400
    assert client.post(f"/tasks/{task_id}/claim").status_code == 302


def test_fetch_calls_need_the_csrf_header(client_for, env):
    _, task_id = env.to_head_review()
    client = client_for("dept_head")
    refused = client.http.post(f"/api/tasks/{task_id}/claim", json={})
    assert refused.status_code == 400
    assert refused.get_json()["error"] == "csrf_failed"
    assert client.post_json(f"/api/tasks/{task_id}/claim", {}).status_code == 200


def _token(env, username, name="t"):
    return env.run(lambda s, kf, u: create_token(s, kf.clock, u(username), name))


def test_bearer_tokens_authenticate_the_api_without_csrf(app, env):
    _, task_id = env.to_head_review()
    secret = _token(env, "dept_head")
    http = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    assert http.get("/api/tasks?scope=role", headers=headers).status_code == 200
    assert http.post(f"/api/tasks/{task_id}/claim", headers=headers).status_code == 200
    for bad in ("Bearer kf_wrong", "Bearer nonsense", "Basic abc"):
        assert http.get("/api/tasks", headers={"Authorization": bad}).status_code == 401


def test_a_token_known_to_the_process_follows_changes_to_its_user_at_once(app, env):
    """Verified tokens are kept for a few seconds (engine.accounts.TokenCache), but a change
    to the user made in this process counts from the next request on."""
    secret = _token(env, "dept_head")
    http = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    assert app.config["TOKEN_CACHE_SECONDS"] > 0
    for _ in range(2):  # the second request takes the user from the cache
        assert http.get("/api/tasks?scope=role", headers=headers).status_code == 200
    def take_roles(user: User) -> None:
        user.roles.clear()

    env.run(lambda s, kf, u: take_roles(u("dept_head")))
    assert http.get("/api/kpis/targets", headers=headers).status_code == 403
    env.run(lambda s, kf, u: deactivate_user(s, kf.clock, u("dept_head")))
    assert http.get("/api/tasks?scope=role", headers=headers).status_code == 401


def test_a_cached_token_user_is_attached_to_a_writing_request_only(app, env):
    """A reading request reads the cache's detached copy of the user (no merge); a request
    that may write gets the user in its own session, as a command needs it."""
    from flask import g

    from webui.auth.identity import current_user
    from webui.context import db

    secret = _token(env, "dept_head")
    headers = {"Authorization": f"Bearer {secret}"}
    for _ in range(2):  # the first notes the token's use (which starts the cache over)
        with app.test_request_context("/api/tasks", headers=headers):
            loaded = current_user()  # not cached yet: loaded through the request's session
            assert loaded is not None and loaded in db()
    seen = []
    for method in ("GET", "POST"):
        with app.test_request_context("/api/tasks", method=method, headers=headers):
            user = current_user()
            assert user is not None and user.username == "dept_head"
            assert {r.name for r in user.roles} == {"dept_head"}
            seen.append((user in db(), user))
            g.pop("current_user")
    (read_attached, read_user), (write_attached, write_user) = seen
    assert not read_attached and write_attached and read_user is not write_user
    # The shared copy never joins a session, not even through a row referring to it.
    with app.extensions["keyflow.sessions"]() as session, pytest.raises(InvalidRequestError):
        session.add(read_user)


def test_profile_creates_shows_once_and_revokes_own_tokens(app, client_for, env):
    client = client_for("clerk")
    created = client.post("/profile/tokens", {"name": "laptop"})
    assert created.status_code == 201
    secret = re.search(r'id="new-token">(kf_[^<]+)<', created.get_data(as_text=True)).group(1)
    http = app.test_client()
    assert http.get("/api/tasks", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    assert secret not in client.get("/profile").get_data(as_text=True)
    with env.session() as s:
        token_id = s.scalar(select(ApiToken.id).where(ApiToken.name == "laptop"))
    other = _token(env, "finance")
    with env.session() as s:
        other_id = s.scalar(select(ApiToken.id).where(ApiToken.prefix == other[:10]))
    assert client.post(f"/profile/tokens/{other_id}/revoke").status_code == 404
    assert client.post(f"/profile/tokens/{token_id}/revoke").status_code == 302
    assert http.get("/api/tasks", headers={"Authorization": f"Bearer {secret}"}).status_code == 401


def test_secret_key_is_generated_once_and_kept(prepared_db, tmp_path, clock):
    made = []
    for _ in range(2):
        application = make_app(f"sqlite:///{prepared_db}", clock, tmp_path / "var",
                               SECRET_KEY=None)
        made.append(application.config["SECRET_KEY"])
        application.extensions["keyflow.db_engine"].dispose()
    assert made[0] == made[1] and len(made[0]) == 64
    assert (tmp_path / "var" / "secret_key").stat().st_mode & 0o077 == 0
