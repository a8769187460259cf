"""The customer's one-time link: works once, expires, and reaches no other task."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from engine.customer_links import LinkSigner
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

    def _invite(language: str = "en") -> tuple[int, str]:
        visit = (clock.now() + timedelta(days=5)).isoformat()
        instance_id = env.start("visit_reminders", data={
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
    assert "Proposed date:</strong> 2026-03-0" in html
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
    assert bad.status_code == 422 and "请检查" in bad.get_data(as_text=True)
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
    assert "Please check what you entered" in refused.get_data(as_text=True)
    assert client.get(path).status_code == 200  # the link is not spent by a refused answer
