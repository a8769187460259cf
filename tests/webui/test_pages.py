"""Instance page, start page, admin pages, vendor assets, security headers."""

from __future__ import annotations

from sqlalchemy import select
from webui_env import REGISTER_DATA

from engine.models import ProcessInstance, User


def test_start_page_lists_what_the_roles_may_start_and_starts(client_for, env):
    client = client_for("senior_manager")
    page = client.get("/processes").get_data(as_text=True)
    assert 'data-key="webui_flow"' in page and 'data-key="approval"' in page
    assert "高级业务经理 → 大客户服务部部长 → 营销总监 → 内勤" in page
    assert 'data-key' not in client_for("finance").get("/processes").get_data(as_text=True)
    response = client.post("/processes/webui_flow/start", {"customer_name": "华建路桥",
                                                            "business_key": "KA-7"})
    assert response.status_code == 302 and "/tasks/" in response.headers["Location"]
    with env.session() as s:
        instance = s.scalars(select(ProcessInstance)).one()
        assert (instance.customer_name, instance.business_key) == ("华建路桥", "KA-7")
    assert client.post("/processes/nope/start").status_code == 404


def test_instance_page_history_diagram_and_cancel(client_for, env):
    instance_id, review = env.to_head_review()
    head = client_for("dept_head")
    html = head.get(f"/instances/{instance_id}", headers={"Accept-Language": "en"}).get_data(
        as_text=True)
    assert 'data-completed="start register"' in html
    assert 'data-active="head_review"' in html
    assert "Task completed" in html and "王总" in html and "senior_manager" in html
    assert "/vendor/bpmn-js/bpmn-navigated-viewer.production.min.js" in html
    xml = head.get(f"/instances/{instance_id}/diagram.bpmn")
    assert xml.mimetype == "application/xml" and b'id="head_review"' in xml.data
    cancelled = head.post(f"/instances/{instance_id}/cancel", {"reason": "客户撤回"})
    assert cancelled.status_code == 302
    html = head.get(f"/instances/{instance_id}").get_data(as_text=True)
    assert 'data-status="cancelled"' in html and "客户撤回" in html and 'id="cancel"' not in html
    assert head.post(f"/instances/{instance_id}/cancel").status_code == 409


def test_vendor_assets_are_allow_listed(client_for):
    http = client_for(None).http
    script = http.get("/vendor/bpmn-js/bpmn-navigated-viewer.production.min.js")
    assert script.status_code == 200 and "javascript" in script.content_type
    assert len(script.data) > 100_000
    script.close()
    css = http.get("/vendor/bpmn-js/assets/bpmn-js.css")
    assert css.status_code == 200
    css.close()
    for bad in ("../package.json", "bpmn-modeler.production.min.js", "assets/../../package.json"):
        assert http.get(f"/vendor/bpmn-js/{bad}").status_code == 404


def test_security_headers_on_every_page(client_for):
    for response in (client_for(None).get("/login"), client_for("clerk").get("/"),
                     client_for("clerk").get("/api/tasks")):
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    html = client_for("clerk").get("/").get_data(as_text=True)
    assert "<script>" not in html  # scripts are files only


def test_admin_creates_edits_and_deactivates_users(client_for, env):
    admin = client_for("admin")
    created = admin.post("/admin/users", {"username": "li", "password": "long-enough-1",
                                          "roles": ["senior_manager", "clerk"],
                                          "display_name": "李经理"})
    assert created.status_code == 302
    assert "李经理" in admin.get("/admin/users").get_data(as_text=True)
    short = admin.post("/admin/users", {"username": "wu", "password": "short"})
    assert short.status_code == 422
    taken = admin.post("/admin/users", {"username": "li", "password": "long-enough-1"})
    assert taken.status_code == 409
    li = env.user_id("li")
    assert admin.get(f"/admin/users/{li}").status_code == 200
    admin.post(f"/admin/users/{li}", {"roles": ["finance"], "display_name": "李"})
    with env.session() as s:
        user = s.get(User, li)
        assert user.role_names == {"finance"} and user.active is False
    me = env.user_id("admin")
    admin.post(f"/admin/users/{me}", {"roles": ["clerk"], "active": "on"})
    with env.session() as s:
        assert s.get(User, me).has_role("admin")  # cannot lock oneself out
    assert "流程负责人" in admin.get("/admin/roles").get_data(as_text=True)


def test_admin_pages_refuse_malformed_addresses(client_for, env):
    admin = client_for("admin")
    refused = admin.post("/admin/users", {"username": "wu", "password": "long-enough-1",
                                          "roles": ["clerk"], "email": "wu@"})
    assert refused.status_code == 422 and "wu@" in refused.get_data(as_text=True)
    assert admin.post("/admin/users", {"username": "wu", "password": "long-enough-1",
                                       "roles": ["clerk"], "email": "Wu@Keyflow.LOCAL"}
                      ).status_code == 302
    wu = env.user_id("wu")
    with env.session() as s:
        assert s.get(User, wu).email == "Wu@keyflow.local"
    admin.post(f"/admin/users/{wu}", {"roles": ["clerk"], "active": "on",
                                      "email": "wu@example.test\r\nBcc: x@evil.test"})
    with env.session() as s:
        assert s.get(User, wu).email == "Wu@keyflow.local"  # unchanged
    admin.post(f"/admin/users/{wu}", {"roles": ["clerk"], "active": "on",
                                      "email": "wu@example.test"})
    with env.session() as s:
        assert s.get(User, wu).email == "wu@example.test"


def test_healthz(client_for):
    assert client_for(None).get("/healthz").get_json() == {"status": "ok"}


def test_completed_flow_shows_all_steps(client_for, env):
    instance_id, review = env.to_head_review()
    env.claim(review, "dept_head")
    env.complete(review, "dept_head", {"decision": "reject"})
    html = client_for("senior_manager").get(f"/instances/{instance_id}").get_data(as_text=True)
    assert 'data-completed="start register head_review head_gateway head_rejected"' in html
    assert 'data-active=""' in html
    assert REGISTER_DATA["plan"] in html


def test_the_favicon_is_served_to_anyone_from_memory(client_for):
    for path in ("/favicon.svg", "/favicon.ico"):
        response = client_for(None).get(path)
        assert response.status_code == 200 and response.mimetype == "image/svg+xml"
        assert response.data.startswith(b"<svg")
    page = client_for("clerk").get("/").get_data(as_text=True)
    assert '<link rel="icon" href="/favicon.svg"' in page


def test_security_headers_keep_a_views_own_and_appear_once():
    from flask import Response

    from webui.headers import CSP, add_security_headers

    page = add_security_headers(Response("<p>hi</p>", mimetype="text/html"))
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers.getlist("Content-Security-Policy") == [CSP]
    data = add_security_headers(Response("{}", mimetype="application/json"))
    assert "Cache-Control" not in data.headers and data.headers["X-Frame-Options"] == "DENY"
    own = Response("x", mimetype="text/html", headers={
        "content-security-policy": "default-src 'none'; sandbox",
        "Cache-Control": "private, no-store"})
    add_security_headers(own)
    assert own.headers.getlist("Content-Security-Policy") == ["default-src 'none'; sandbox"]
    assert own.headers.getlist("Cache-Control") == ["private, no-store"]
    assert own.headers["Referrer-Policy"] == "same-origin"
