"""The customer's one-time link: works once, expires, and reaches no other task."""

from __future__ import annotations

import json
import os
import shutil
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from webui_env import Env, live_app

from engine.customer_links import LinkSigner, issue_link
from engine.deployment import Bundle
from engine.models import AuditEvent, CustomerLink, HumanTask, Notification, ProcessInstance
from engine.reminders import PolicyBook, ReminderConfig, write_reminders

BUNDLE = Path(__file__).parents[1] / "workers" / "data" / "visit_reminders"
KEY = b"customer-link-test-key"


@pytest.fixture
def app_config():
    return {"CUSTOMER_LINK_KEY": KEY}


@pytest.fixture
def invite(env, clock):
    """Start a visit, finish the plan, run the tick: the customer's link path."""
    env.run(lambda s, kf, u: kf.deploy(s, Bundle.from_folder(BUNDLE)))
    config = ReminderConfig(ZoneInfo("Asia/Shanghai"), None, "http://kf.test", timedelta(days=7))

    def _invite(language: str = "en", key: str = "visit_reminders") -> tuple[int, str]:
        visit = (clock.now() + timedelta(days=5)).isoformat()
        instance_id = env.start(key, data={
            "customer_email": "buyer@customer.test", "customer_language": language,
            "visit_at": visit, "appointment_date": visit[:10]}, customer="Huajian")
        env.complete(env.open_task(instance_id).id, "senior_manager", {})
        with env.session() as s:
            write_reminders(s, env.kf.runtime, PolicyBook(env.kf.runtime.specs),
                            LinkSigner(KEY), config)
            s.commit()
            body = s.scalars(select(Notification.body).where(
                Notification.kind == "customer_link", Notification.instance_id == instance_id)
            ).one()
        path = "/c/" + body.split("http://kf.test/c/")[1].split()[0]
        return instance_id, path

    return _invite


def test_confirm_once_then_refused(env, client_for, invite):
    instance_id, path = invite("en")
    client = client_for(None)  # no login, no CSRF token: the link is the authority
    page = client.get(path)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Confirm the appointment" in html and "Hello Huajian" in html
    assert "<dt>Proposed date</dt><dd>2026-03-0" in html
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert page.headers["Cache-Control"] == "no-store"
    done = client.http.post(path, data={"action": "confirm"})
    assert done.status_code == 200 and "Thank you" in done.get_data(as_text=True)
    with env.session() as s:
        task = s.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id,
                                                 HumanTask.role == "customer")).one()
        assert task.state == "completed" and task.completed_by_id is None
        link = s.scalars(select(CustomerLink)).one()
        assert link.used_action == "confirm" and link.token_hash not in path
        audit = s.scalars(select(AuditEvent).where(AuditEvent.task_id == task.id,
                                                   AuditEvent.action == "task_completed")).one()
        assert audit.actor_id is None and audit.data["link_id"] == link.id
        assert audit.data["data"] == {"confirmed": True}
        assert s.get(ProcessInstance, instance_id).next_wakeup_at is not None  # visit timer
    again = client.http.post(path, data={"action": "confirm"})
    assert again.status_code == 410 and "already been used" in again.get_data(as_text=True)
    assert client.get(path).status_code == 410


def test_propose_another_date_in_chinese(env, client_for, invite):
    instance_id, path = invite("zh")
    client = client_for(None)
    assert "确认拜访时间" in client.get(path).get_data(as_text=True)
    bad = client.http.post(path, data={"action": "propose", "proposed_date": "next week"})
    assert bad.status_code == 422 and "请填写您建议的日期" in bad.get_data(as_text=True)
    ok = client.http.post(path, data={"action": "propose", "proposed_date": "2026-03-12",
                                      "comment": "下午更方便"})
    assert ok.status_code == 200 and "提出的日期" in ok.get_data(as_text=True)
    with env.session() as s:
        audit = s.scalars(select(AuditEvent).where(AuditEvent.instance_id == instance_id,
                                                   AuditEvent.action == "task_completed")
                          .order_by(AuditEvent.id.desc())).first()
        assert audit.data["data"] == {"confirmed": False, "proposed_date": "2026-03-12",
                                      "customer_comment": "下午更方便"}


def test_expired_tampered_and_other_task_refused(env, client_for, invite, clock):
    _, path = invite("en")
    other_instance, other_path = invite("en")
    client = client_for(None)
    task_id, token = path.split("/")[2], path.split("/")[3]
    tampered = path[:-2] + ("AA" if not path.endswith("AA") else "BB")
    response = client.get(tampered)
    assert response.status_code == 404 and "not valid" in response.get_data(as_text=True)
    other_task = other_path.split("/")[2]
    for url in (f"/c/{other_task}/{token}", f"/c/{task_id}/{other_path.split('/')[3]}"):
        assert client.get(url).status_code == 404
        assert client.http.post(url, data={"action": "confirm"}).status_code == 404
    stretched = token.split(".")
    stretched[1] = str(int(stretched[1]) + 86400 * 30)
    assert client.get(f"/c/{task_id}/{'.'.join(stretched)}").status_code == 404
    clock.advance(days=7, minutes=1)
    expired = client.http.post(path, data={"action": "confirm"})
    assert expired.status_code == 410 and "expired" in expired.get_data(as_text=True)
    with env.session() as s:
        assert s.scalars(select(HumanTask.state).where(
            HumanTask.instance_id == other_instance, HumanTask.role == "customer")).one() \
            == "ready"


def test_decline_is_only_offered_where_the_form_has_it(env, client_for, invite):
    _, path = invite("en")
    client = client_for(None)
    assert 'id="decline"' not in client.get(path).get_data(as_text=True)  # boolean form
    refused = client.http.post(path, data={"action": "decline"})
    assert refused.status_code == 422
    assert "This answer is not possible here" in refused.get_data(as_text=True)
    assert client.get(path).status_code == 200  # the link is not spent by a refused answer


@pytest.fixture
def choices_bundle(tmp_path):
    """The visit bundle with the reception's kind of answer: confirm, another date, cancel."""
    folder = tmp_path / "visit_choices"
    shutil.copytree(BUNDLE, folder)
    bpmn = folder / "visit_reminders.bpmn"
    bpmn.rename(folder / "visit_choices.bpmn")
    text = (folder / "visit_choices.bpmn").read_text(encoding="utf-8")
    (folder / "visit_choices.bpmn").write_text(
        text.replace('id="visit_reminders"', 'id="visit_choices"'), encoding="utf-8")
    form = {
        "type": "object", "title": "确认到访", "x-title-en": "Confirm your visit",
        "properties": {
            "reply": {"type": "string", "enum": ["confirm", "reschedule", "cancel"],
                      "x-enum-titles": ["确认到访", "另约时间", "取消来访"],
                      "x-enum-titles-en": ["Confirm", "Propose another date",
                                           "Cancel the visit"],
                      "x-keyflow-customer": "answer"},
            "when": {"type": "string", "format": "date", "x-keyflow-customer": "date"},
            "words": {"type": "string", "maxLength": 2000, "x-keyflow-customer": "comment"}},
        "required": ["reply"], "additionalProperties": False,
        "allOf": [{"if": {"properties": {"reply": {"const": "reschedule"}}},
                   "then": {"required": ["when"]}}]}
    (folder / "forms" / "customer_confirm.json").write_text(json.dumps(form), encoding="utf-8")
    return folder


def test_every_answer_the_form_lists_is_offered_with_its_titles(env, client_for, invite,
                                                               choices_bundle):
    env.run(lambda s, kf, u: kf.deploy(s, Bundle.from_folder(choices_bundle)))
    instance_id, path = invite("zh", key="visit_choices")
    client = client_for(None)
    html = client.get(path).get_data(as_text=True)
    for action, title in (("confirm", "确认到访"), ("propose", "另约时间"),
                          ("cancel", "取消来访")):
        assert f'value="{action}" id="{action}"' in html and title in html
    assert 'id="decline"' not in html
    cancelled = client.http.post(path, data={"action": "cancel", "comment": "计划有变"})
    assert cancelled.status_code == 200
    assert "已取消" in cancelled.get_data(as_text=True)
    with env.session() as s:
        audit = s.scalars(select(AuditEvent).where(AuditEvent.instance_id == instance_id,
                                                   AuditEvent.action == "task_completed")
                          .order_by(AuditEvent.id.desc())).first()
        assert audit.data["data"] == {"reply": "cancel", "words": "计划有变"}
        assert s.scalars(select(CustomerLink.used_action)).all()[-1] == "cancel"


def test_a_refused_answer_is_a_sentence_and_keeps_what_was_typed(env, client_for, invite,
                                                                 choices_bundle):
    env.run(lambda s, kf, u: kf.deploy(s, Bundle.from_folder(choices_bundle)))
    _, path = invite("en", key="visit_choices")
    client = client_for(None)
    no_date = client.http.post(path, data={"action": "propose", "comment": "mornings"})
    html = no_date.get_data(as_text=True)
    assert no_date.status_code == 422
    assert "Please give the date you propose" in html and ">mornings</textarea>" in html
    assert "when" not in html.split('role="alert"')[1].split("</div>")[0]  # no field name
    unknown = client.http.post(path, data={"action": "decline"})
    assert unknown.status_code == 422
    assert "This answer is not possible here" in unknown.get_data(as_text=True)


def test_the_customer_may_switch_language_and_sees_company_and_manager(app, env, client_for,
                                                                       invite):
    app.extensions["keyflow.settings"] = app.extensions["keyflow.settings"].model_copy(
        update={"company_name": "华建板房", "company_name_en": "Huajian Site Buildings"})
    _, path = invite("zh")
    client = client_for(None)
    chinese = client.get(path).get_data(as_text=True)
    assert '<html lang="zh-CN">' in chinese
    assert "华建板房" in chinese and "您的客户经理" in chinese
    with env.session() as s:
        owner = s.scalars(select(ProcessInstance)).all()[-1].owner
        assert owner is not None
        shown = owner.display_name or owner.username
    assert shown in chinese
    english = client.get(path + "?lang=en").get_data(as_text=True)
    assert "Huajian Site Buildings" in english and "Your account manager" in english
    assert "Please confirm" in english
    done = client.http.post(path, data={"action": "confirm", "lang": "en"})
    assert done.status_code == 200 and "Thank you" in done.get_data(as_text=True)


def test_chromium_customer_page_on_a_phone_switches_language_and_cancels(
        browser, prepared_db, tmp_path, choices_bundle):
    with live_app(prepared_db, tmp_path, CUSTOMER_LINK_KEY=KEY) as (base, app):
        env = Env(app)
        env.run(lambda s, kf, u: kf.deploy(s, Bundle.from_folder(choices_bundle)))
        visit = (env.kf.runtime.clock.now() + timedelta(days=5)).isoformat()
        instance_id = env.start("visit_choices", customer="华建路桥", data={
            "customer_email": "buyer@customer.test", "customer_language": "zh",
            "visit_at": visit, "appointment_date": visit[:10]})
        env.complete(env.open_task(instance_id).id, "senior_manager", {})
        with env.session() as s:
            task = s.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id,
                                                     HumanTask.role == "customer")).one()
            _, token = issue_link(s, LinkSigner(KEY), task, email="buyer@customer.test",
                                  language="zh", now=env.kf.runtime.clock.now(),
                                  ttl=timedelta(days=7))
            s.commit()
        context = browser.new_context(locale="zh-CN", viewport={"width": 375, "height": 740})
        page = context.new_page()
        console: list[str] = []
        page.on("console", lambda m: console.append(m.text)
                if m.type == "error" and "422" not in m.text else None)  # the refused answer
        page.goto(f"{base}/c/{task.id}/{token}")
        assert page.inner_text("h1") == "确认拜访时间"
        assert [b.inner_text() for b in page.query_selector_all(".answers button")] == [
            "确认到访", "另约时间", "取消来访"]
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        _shot(page, "customer-page-zh")
        page.click("text=English")
        page.wait_for_selector("text=Cancel the visit")
        _shot(page, "customer-page-en")
        assert page.get_attribute("html", "lang") == "en"
        page.click("#propose")  # no date: refused with a sentence, nothing spent
        page.wait_for_selector("#errors")
        assert "Please give the date you propose" in page.inner_text("#errors")
        page.fill("#comment", "Our plans changed")
        page.click("#cancel")
        page.wait_for_selector("text=the visit is cancelled")
        context.close()
        assert not console, console
        with env.session() as s:
            assert s.get(CustomerLink, s.scalars(select(CustomerLink.id)).one()).used_action \
                == "cancel"


def _shot(page, name: str) -> None:
    """A screenshot for the issue's notes when KEYFLOW_TEST_SCREENSHOTS names a folder."""
    folder = os.environ.get("KEYFLOW_TEST_SCREENSHOTS")
    if folder:
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)
