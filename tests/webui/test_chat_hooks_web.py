"""Chat hooks on the profile and admin pages and over the API (every API response checked
against the OpenAPI document): precise 422s in the user's language, masked addresses, who
may set a role's hook, the test message reaching a local fake robot API."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from test_api import Api
from webui_env import relay_all

from engine.models import AuditEvent, ChatHook

KEY = "0123456789abcdef-secret-key"


@pytest.fixture
def app_config():
    return {"CHAT_HOOK_HOSTS": "127.0.0.1"}



def test_own_hook_over_the_api(app, env, chat_endpoint, tmp_path):
    clerk = Api(app, env, "clerk")  # reads Chinese
    assert clerk.get("/api/me/chat-hook").get_json() == {"hook": None}
    refused = clerk.send("put", "/api/me/chat-hook", {
        "kind": "wecom", "url": "https://evil.example/cgi-bin/webhook/send?key=k",
        "secret": "x"})
    assert refused.status_code == 422
    details = refused.get_json()["details"]
    assert details["url"].startswith("只接受这些主机") and "127.0.0.1" in details["url"]
    assert details["secret"] == "只有钉钉机器人才有加签密钥。"
    assert clerk.send("put", "/api/me/chat-hook", {"url": "x"}).get_json()["details"] == {
        "kind": "this field is required"}
    assert clerk.send("put", "/api/me/chat-hook", {"kind": "wecom", "color": "red"}
                      ).status_code == 422

    url = chat_endpoint.url(KEY)
    saved = clerk.send("put", "/api/me/chat-hook", {"kind": "wecom", "format": "markdown",
                                                    "url": url})
    assert saved.status_code == 200
    hook = saved.get_json()["hook"]
    assert hook["kind"] == "wecom" and hook["format"] == "markdown" and hook["last"] is None
    assert KEY not in saved.get_data(as_text=True) and hook["url"].endswith("key=…-key")

    queued = clerk.post("/api/me/chat-hook/test")
    assert queued.status_code == 202 and queued.get_json()["status"] == "pending"
    relay_all(app, chat_hosts=frozenset({"127.0.0.1"}))
    [posted] = chat_endpoint.received(KEY)
    assert posted.body["msgtype"] == "markdown"
    assert "keyflow 测试消息" in posted.text and "clerk user" in posted.text
    last = clerk.get("/api/me/chat-hook").get_json()["hook"]["last"]
    assert last["status"] == "sent" and last["error"] is None

    assert clerk.send("delete", "/api/me/chat-hook").get_json() == {"removed": True}
    assert clerk.send("delete", "/api/me/chat-hook").get_json() == {"removed": False}
    assert clerk.post("/api/me/chat-hook/test").status_code == 404
    with app.extensions["keyflow.sessions"]() as s:
        audited = s.scalars(select(AuditEvent.data).where(
            AuditEvent.action.in_(("chat_hook_set", "chat_hook_removed")))).all()
    assert len(audited) == 2 and all(KEY not in str(data) for data in audited)


def test_only_admins_set_a_roles_hook(app, env, chat_endpoint):
    body = {"kind": "dingtalk", "url": chat_endpoint.url("role-key-123456", "dingtalk"),
            "secret": "SEC0123"}
    head = Api(app, env, "dept_head")
    assert head.send("put", "/api/roles/dept_head/chat-hook", body).status_code == 403
    assert head.get("/api/roles/dept_head/chat-hook").status_code == 403
    admin = Api(app, env, "admin")
    assert admin.send("put", "/api/roles/customer/chat-hook", body).status_code == 404
    saved = admin.send("put", "/api/roles/dept_head/chat-hook", body)
    assert saved.status_code == 200
    assert saved.get_json()["hook"]["role"] == "dept_head" and saved.get_json()["hook"]["signed"]
    assert admin.post("/api/roles/dept_head/chat-hook/test").status_code == 202
    assert admin.get("/api/roles/dept_head/chat-hook").get_json()["hook"]["last"][
        "status"] == "pending"
    assert admin.send("delete", "/api/roles/dept_head/chat-hook").get_json() == {
        "removed": True}


def test_the_profile_page_sets_tests_and_removes_the_users_robot(app, client_for,
                                                                  chat_endpoint, tmp_path):
    clerk = client_for("clerk")
    refused = clerk.post("/profile/chat-hook", {"kind": "wecom",
                                                "url": "ftp://qyapi.weixin.qq.com/x"})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert 'id="chat-url-error"' in page and "地址必须以 https:// 开头。" in page
    saved = clerk.post("/profile/chat-hook", {"kind": "wecom", "format": "text",
                                              "url": chat_endpoint.url(KEY)})
    assert saved.status_code == 302
    page = clerk.get("/profile").get_data(as_text=True)
    assert "您的群机器人已保存。" in page and "key=…-key" in page and KEY not in page
    assert clerk.post("/profile/chat-hook/test").status_code == 302
    relay_all(app, chat_hosts=frozenset({"127.0.0.1"}))
    assert len(chat_endpoint.received(KEY)) == 1
    page = clerk.get("/profile").get_data(as_text=True)
    assert 'id="chat-hook-last"' in page and "已发送" in page
    assert clerk.post("/profile/chat-hook/remove").status_code == 302
    with app.extensions["keyflow.sessions"]() as s:
        assert s.scalars(select(ChatHook)).all() == []


def test_the_admin_roles_page_links_each_roles_robot(app, client_for, chat_endpoint):
    admin = client_for("admin")
    page = admin.get("/admin/roles").get_data(as_text=True)
    assert 'id="chat-hook-dept_head"' in page and 'id="chat-hook-customer"' not in page
    assert admin.get("/admin/roles/customer/chat-hook").status_code == 404
    refused = admin.post("/admin/roles/finance/chat-hook", {"kind": "slack"})
    assert refused.status_code == 422 and "请选择企业微信或钉钉。" in refused.get_data(as_text=True)
    assert admin.post("/admin/roles/finance/chat-hook", {
        "kind": "wecom", "url": chat_endpoint.url("fin-0000-1111")}).status_code == 302
    page = admin.get("/admin/roles/finance/chat-hook").get_data(as_text=True)
    assert "key=…1111" in page and "fin-0000-1111" not in page
    assert client_for("finance").get("/admin/roles/finance/chat-hook").status_code == 403
    assert client_for("finance").post("/admin/roles/finance/chat-hook/remove").status_code == 403
