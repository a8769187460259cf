"""Every error status, as a page in both languages and as JSON; never a 500 for bad input."""

from __future__ import annotations

import io

import pytest
from webui_env import DATA


@pytest.fixture
def app_config():
    return {"MAX_CONTENT_LENGTH": 64 * 1024}


EN = {"Accept-Language": "en"}


def test_403_page_in_both_languages_and_json(client_for):
    client = client_for("clerk")
    zh = client.get("/admin/users")
    assert zh.status_code == 403 and "您无权执行此操作" in zh.get_data(as_text=True)
    en = client.get("/admin/users", headers=EN)
    assert en.status_code == 403 and "You may not do this." in en.get_data(as_text=True)
    js = client.get("/admin/users", headers={"Accept": "application/json"})
    assert js.status_code == 403 and js.get_json()["error"] == "forbidden"


@pytest.mark.parametrize("url", ["/tasks/999999", "/instances/999999", "/no/such/page",
                                 "/tasks/abc"])
def test_404_pages(client_for, url):
    response = client_for("clerk").get(url, headers=EN)
    assert response.status_code == 404
    assert "Not found, or not yours to see." in response.get_data(as_text=True)


def test_404_json_for_the_api(client_for):
    response = client_for("clerk").get("/api/tasks/999999")
    assert response.status_code == 404
    body = response.get_json()
    assert set(body) == {"error", "message", "details"} and body["error"] == "not_found"


def test_409_someone_else_claimed_first(client_for, env):
    _, task_id = env.to_head_review()
    env.claim(task_id, "head2")
    page = client_for("dept_head").post(f"/tasks/{task_id}/claim", headers=EN)
    assert page.status_code == 409
    text = page.get_data(as_text=True)
    assert "Someone else got there first." in text and "Nothing you entered was saved" in text
    assert "Traceback" not in text
    api = client_for("dept_head").post_json(f"/api/tasks/{task_id}/claim", {})
    assert api.status_code == 409 and api.get_json()["error"] == "conflict"


def test_409_completing_a_task_already_completed(client_for, env):
    _, task_id = env.to_head_review()
    head, head2 = client_for("dept_head"), client_for("head2")
    assert head.post(f"/tasks/{task_id}/claim").status_code == 302
    assert head.post(f"/tasks/{task_id}/complete", {"f.decision": "approve"}).status_code == 302
    late = head2.post(f"/tasks/{task_id}/complete", {"f.decision": "reject"})
    assert late.status_code == 409
    assert "已有其他人先处理了" in late.get_data(as_text=True)


def test_413_request_too_large(client_for):
    response = client_for("clerk").post("/profile/tokens", {"name": "x" * 100_000})
    assert response.status_code == 413
    assert "提交的内容过大" in response.get_data(as_text=True)
    api = client_for("process_owner").http.post(
        "/api/deployments", data={"files": [(io.BytesIO(b"x" * 100_000), "big.bpmn")]},
        headers={"X-CSRF-Token": "csrf-process_owner"}, content_type="multipart/form-data")
    assert api.status_code == 413 and api.get_json()["error"] == "too_large"


def test_422_invalid_form_and_invalid_bundle(client_for, env):
    instance_id = env.start()
    task_id = env.open_task(instance_id).id
    page = client_for("senior_manager").post(f"/tasks/{task_id}/complete", {"f.volume": "-5"})
    assert page.status_code == 422
    api = client_for("senior_manager").post_json(f"/api/tasks/{task_id}/complete",
                                                 {"data": {"volume": -5}})
    assert api.status_code == 422
    assert "volume" in api.get_json()["details"]
    bundle = DATA / "invalid" / "unknown_role"
    files = [(p.open("rb"), p.name) for p in [*bundle.glob("*.bpmn"), *bundle.glob("forms/*")]]
    try:
        deploy = client_for("process_owner").http.post(
            "/api/deployments", data={"files": files}, content_type="multipart/form-data",
            headers={"X-CSRF-Token": "csrf-process_owner"})
    finally:
        for f, _ in files:
            f.close()
    assert deploy.status_code == 422
    problems = deploy.get_json()["details"]
    assert problems and all({"file", "element_id", "reason"} <= set(p) for p in problems)


def test_429_json_for_clients_that_accept_json(app):
    http = app.test_client()
    http.get("/login")
    with http.session_transaction() as session:
        session["csrf"] = "t"
    for _ in range(5):
        http.post("/login", data={"csrf_token": "t", "username": "x", "password": "y"})
    response = http.post("/login", data={"csrf_token": "t", "username": "x", "password": "y"},
                         headers={"Accept": "application/json"})
    assert response.status_code == 429
    assert response.get_json()["error"] == "too_many_requests"


def test_500_is_a_page_without_a_traceback(prepared_db, tmp_path, clock):
    from webui_env import Client, make_app

    app = make_app(f"sqlite:///{prepared_db}", clock, tmp_path)

    def boom() -> str:
        raise RuntimeError("secret internals")

    app.add_url_rule("/boom", "boom", boom)
    app.add_url_rule("/api/boom", "api_boom", boom)
    try:
        client = Client(app, "clerk")
        page = client.get("/boom", headers=EN)
        assert page.status_code == 500
        text = page.get_data(as_text=True)
        assert "Nothing was saved" in text and "secret internals" not in text
        api = client.get("/api/boom")
        assert api.status_code == 500 and api.get_json()["error"] == "internal_error"
    finally:
        app.extensions["keyflow.db_engine"].dispose()


@pytest.mark.parametrize("body,status", [(b"{not json", 400), (b"[1, 2]", 422),
                                         (b'{"data": []}', 422), (b'{"data": "x"}', 422)])
def test_bad_api_input_is_4xx_never_500(client_for, env, body, status):
    instance_id = env.start()
    task_id = env.open_task(instance_id).id
    client = client_for("senior_manager")
    response = client.http.post(f"/api/tasks/{task_id}/complete", data=body,
                                headers={"X-CSRF-Token": client.csrf,
                                         "Content-Type": "application/json"})
    assert response.status_code == status
    assert response.get_json()["error"] in ("bad_request", "invalid_data")


@pytest.mark.parametrize("query", ["scope=everything", "from=yesterday", "by=team",
                                   "from=2026-03-05&to=2026-03-01"])
def test_bad_query_parameters_are_422(client_for, query):
    url = "/api/kpis?" + query if "scope" not in query else "/api/tasks?" + query
    response = client_for("admin").get(url)
    assert response.status_code == 422
    assert response.get_json()["error"] == "invalid_data"


def test_405_for_a_wrong_method(client_for):
    response = client_for("clerk").get("/logout", headers={"Accept": "application/json"})
    assert response.status_code == 405
    assert response.get_json()["error"] == "method_not_allowed"
