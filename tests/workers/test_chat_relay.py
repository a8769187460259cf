"""Chat rows through the outbox relay to a local fake of the WeCom/DingTalk robot APIs:
the message's content, DingTalk's signature, errcode and HTTP failures, timeouts, one bad
hook among good ones, the reminders' chat rows, and the worker's relay task."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote_plus
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from engine.accounts import create_user
from engine.chat.addresses import HookHosts
from engine.chat.hooks import HookRequest
from engine.chat.notices import queue_chat
from engine.chat.sender import ChatPoster
from engine.mail import FolderMailer, MailComposer, relay_one
from engine.models import ChatHook, HumanTask, Notification
from engine.outbox import queue_notification

COMPOSER = MailComposer("http://kf.test", "keyflow <kf@kf.test>")
LOCAL = HookHosts(frozenset({"127.0.0.1"}))
SHANGHAI = ZoneInfo("Asia/Shanghai")


def poster(timeout: float = 10.0, hosts: HookHosts = LOCAL) -> ChatPoster:
    return ChatPoster(hosts, "http://kf.test", SHANGHAI, timeout)


def relay_all(session, clock, chat, mailer=None, tmp_path: Path | None = None) -> list:
    mailer = mailer or FolderMailer((tmp_path or Path("/nonexistent")) / "mail")
    results = []
    while (result := relay_one(session, mailer, COMPOSER, clock.now(), 10, chat)) is not None:
        session.commit()
        results.append(result)
    return results


@pytest.fixture
def hook_for(session, kf, people, chat_endpoint):
    """Set a user's own hook on the fake endpoint; returns the hook."""

    def _hook(user: str, key: str, kind: str = "wecom", form: str = "text",
              secret: str | None = None) -> ChatHook:
        hook = kf.set_chat_hook(session, people[user], None, HookRequest(
            kind, form, chat_endpoint.url(key, kind), secret), LOCAL)
        session.commit()
        return hook

    return _hook


def _open(session, instance, bpmn_id):
    return session.scalars(select(HumanTask).where(
        HumanTask.instance_id == instance.id, HumanTask.bpmn_id == bpmn_id,
        HumanTask.state.in_(("ready", "claimed")))).one()


def test_a_task_notice_reaches_the_hook_with_names_due_time_and_link(
        session, kf, people, deployed, clock, chat_endpoint, hook_for, tmp_path):
    deployed("approval")
    hook_for("manager", "mgr")  # manager reads English
    # A head starts it for the manager, whose hook hears of his first task.
    instance = kf.start_instance(session, "approval", people["head"], customer_name="华建路桥",
                                 owner="manager")
    session.commit()
    task = _open(session, instance, "submit")
    results = relay_all(session, clock, poster(), tmp_path=tmp_path)
    chat_rows = [r for r in results if r.key.startswith("chat:")]
    assert [r.status for r in chat_rows] == ["sent"]
    [posted] = chat_endpoint.received("mgr")
    assert posted.path == "/cgi-bin/webhook/send" and posted.body["msgtype"] == "text"
    text = posted.text
    assert "New task: Submit request" in text and "华建路桥" in text and "Approval" in text
    assert f"(no. {instance.id})" in text
    due = task.due_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    assert f"Due: {due}" in text
    assert f"http://kf.test/tasks/{task.id}" in text
    assert "submit" not in text.replace("Submit", "")  # names, not element ids


def test_dingtalk_markdown_is_signed_with_the_secret(session, kf, people, deployed, clock,
                                                     chat_endpoint, hook_for, tmp_path):
    deployed("approval")
    secret = "SEC" + "ab12" * 16
    hook_for("manager", "ding", "dingtalk", "markdown", secret)
    kf.start_instance(session, "approval", people["head"], owner="manager")
    session.commit()
    relay_all(session, clock, poster(), tmp_path=tmp_path)
    [posted] = chat_endpoint.received("ding")
    assert posted.path == "/robot/send" and posted.body["msgtype"] == "markdown"
    assert posted.body["markdown"]["title"] == "New task: Submit request"
    assert "[Open the task](http://kf.test/tasks/" in posted.body["markdown"]["text"]
    stamp = posted.query["timestamp"]
    expected = base64.b64encode(hmac.new(secret.encode(), f"{stamp}\n{secret}".encode(),
                                         hashlib.sha256).digest()).decode()
    assert unquote_plus(posted.query["sign"]) == expected or posted.query["sign"] == expected


def _chat_row(session, hook, key, now):
    note = queue_chat(session, hook, event=key, kind="task_overdue", subject=f"S {key}",
                      body="body", language="zh", now=now)
    assert note is not None
    return note


@pytest.mark.parametrize(("answer", "status", "reason"), [
    ((200, {"errcode": 310000, "errmsg": "keywords not in content"}), "failed",
     "errcode 310000: keywords not in content"),
    ((200, {"errcode": 93000, "errmsg": "invalid webhook url"}), "failed",
     "errcode 93000: invalid webhook url"),
    ((200, {"errcode": 45009, "errmsg": "api freq out of limit"}), "pending",
     "errcode 45009: api freq out of limit"),
    ((503, {"errcode": -1}), "pending", "the hook answered HTTP 503"),
    ((404, {"errcode": 0}), "failed", "the hook answered HTTP 404"),
    ((200, b"<html>login</html>"), "failed", "the hook answered without JSON"),
])
def test_the_services_answer_decides_the_rows_outcome(session, people, clock, chat_endpoint,
                                                     hook_for, answer, status, reason):
    hook = hook_for("manager", "k1")
    chat_endpoint.answers["k1"] = answer
    note = _chat_row(session, hook, "x", clock.now())
    session.commit()
    relay_all(session, clock, poster())
    session.refresh(note)
    assert (note.status, note.last_error, note.attempts) == (status, reason, 1)
    if status == "pending":
        assert note.next_attempt_at == clock.now() + timedelta(minutes=1)


def test_a_failing_hook_among_good_ones_fails_alone(session, kf, people, clock, chat_endpoint,
                                                   hook_for, tmp_path, caplog):
    """The poisoned-record test: refused, timing out, removed and forbidden hooks, each its
    own row's failure; the mail and the good hooks' messages all go."""
    good = hook_for("manager", "good")
    refused = hook_for("head", "refused")
    slow = hook_for("head2", "slow")
    removed = hook_for("director", "gone")
    elsewhere = hook_for("finance", "elsewhere")
    chat_endpoint.answers["refused"] = (200, {"errcode": 300001, "errmsg": "token is not exist"})
    chat_endpoint.held.add("slow")
    now = clock.now()
    rows = {name: _chat_row(session, hook, name, now) for name, hook in (
        ("a", good), ("refused", refused), ("slow", slow), ("gone", removed),
        ("elsewhere", elsewhere))}
    rows["z"] = _chat_row(session, good, "z", now)
    mail = queue_notification(session, key="mail:1", recipient=people["manager"],
                              kind="task_overdue", subject="s", body="b", now=now)
    session.commit()
    kf.remove_chat_hook(session, people["director"], None)
    session.commit()
    caplog.set_level(logging.INFO)
    # a hook host allowed when it was saved and not any more: refused when sent
    hosts = HookHosts(frozenset({f"127.0.0.1:{chat_endpoint.port}"}))
    elsewhere.url = elsewhere.url.replace("127.0.0.1", "localhost")
    session.commit()
    relay_all(session, clock, poster(timeout=0.5, hosts=hosts), tmp_path=tmp_path)
    for note in [*rows.values(), mail]:
        session.refresh(note)
    outcome = {name: (n.status, n.last_error) for name, n in rows.items()}
    assert outcome["a"] == ("sent", None) and outcome["z"] == ("sent", None)
    assert mail.status == "sent"
    assert outcome["refused"] == ("failed", "errcode 300001: token is not exist")
    assert outcome["slow"][0] == "pending" and "did not answer" in outcome["slow"][1]
    assert outcome["gone"] == ("failed", "the chat hook was removed")
    assert outcome["elsewhere"][0] == "failed" and "Only these hosts" in outcome["elsewhere"][1]
    assert "…" in outcome["elsewhere"][1] and "elsewhere" not in outcome["elsewhere"][1]
    assert [p.key for p in chat_endpoint.received()] == ["good", "refused", "slow", "good"]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "key=good" not in logged and "key=elsewhere" not in logged


def test_reminders_go_to_the_roles_hook_and_each_persons_own(
        session, kf, people, deployed, tick, clock, outbox, hook_for, chat_endpoint, tmp_path):
    deployed("approval")
    admin = create_user(session, clock, "root", ["admin"])
    group = kf.set_chat_hook(session, admin, "dept_head",
                             HookRequest("wecom", url=chat_endpoint.url("group")), LOCAL)
    session.commit()
    own = hook_for("head", "head")
    instance = kf.start_instance(session, "approval", people["manager"], customer_name="华建路桥")
    kf.complete_task(session, _open(session, instance, "submit").id, people["manager"],
                     {"title": "t", "amount": 10, "costs": 1})
    session.commit()
    review = _open(session, instance, "review")
    clock.advance(days=1, minutes=1)
    tick()
    due_soon = [n for n in outbox("task_due_soon") if n.channel == "chat"]
    assert sorted((n.idempotency_key, n.recipient_email) for n in due_soon) == sorted([
        (f"chat:{group.id}:task:{review.id}:due_soon", None),
        (f"chat:{own.id}:task:{review.id}:due_soon", None)])
    assert tick().written["tasks"] == 0  # nothing twice
    relay_all(session, clock, poster(), tmp_path=tmp_path)
    [soon] = [p.text for p in chat_endpoint.received("group") if "即将到期" in p.text]
    assert "Review request" in soon and "华建路桥" in soon and "http://kf.test/tasks/" in soon


def test_the_workers_relay_task_sends_mail_and_chat_in_one_batch(database, clock, tmp_path,
                                                                 chat_endpoint):
    from engine.customer_links import LinkSigner
    from engine.reminders import PolicyBook, ReminderConfig
    from engine.settings import Settings
    from engine.workflow_engine import WorkflowEngine
    from workers.context import WorkerContext, use_context
    from workers.tasks import relay

    url, sessions = database
    settings = Settings(database_url=url, var_dir=str(tmp_path),
                        chat_hook_hosts=f"127.0.0.1:{chat_endpoint.port}")
    engine = WorkflowEngine(clock=clock)
    with sessions.begin() as s:
        user = create_user(s, clock, "li", ["clerk"], email="li@example.test")
        good = engine.set_chat_hook(s, user, None, HookRequest(
            "wecom", url=chat_endpoint.url("ok")), HookHosts.from_settings(settings))
        admin = create_user(s, clock, "root", ["admin"])
        bad = engine.set_chat_hook(s, admin, "clerk", HookRequest(
            "dingtalk", url=chat_endpoint.url("bad", "dingtalk")),
            HookHosts.from_settings(settings))
        for key, hook in (("1", bad), ("2", good)):
            _chat_row(s, hook, key, clock.now())
        queue_notification(s, key="mail", recipient=user, kind="task_overdue", subject="s",
                           body="b", now=clock.now())
    chat_endpoint.answers["bad"] = (200, {"errcode": 310000, "errmsg": "sign not match"})
    use_context(WorkerContext(settings, sessions, engine, PolicyBook(engine.runtime.specs),
                              LinkSigner(b"k"), MailComposer(settings.base_url, "kf@kf.test"),
                              ReminderConfig.from_settings(settings),
                              ChatPoster.from_settings(settings)))
    try:
        assert relay() == 2
        assert relay() == 0
    finally:
        use_context(None)
    with sessions() as s:
        rows = {n.idempotency_key: (n.status, n.last_error)
                for n in s.scalars(select(Notification))}
    assert rows == {f"chat:{bad.id}:1": ("failed", "errcode 310000: sign not match"),
                    f"chat:{good.id}:2": ("sent", None), "mail": ("sent", None)}
    assert [p.key for p in chat_endpoint.received()] == ["bad", "ok"]


@pytest.mark.parametrize(("kind", "form"), [("wecom", "text"), ("wecom", "markdown"),
                                            ("dingtalk", "markdown")])
def test_a_long_message_is_shortened_but_keeps_its_due_time_and_link(kind, form):
    from engine.chat.sender import LIMITS, Message, payload

    message = Message("新任务：[点我](http://evil.test)", "板房" * 3000,
                      "截止时间：2026-03-04 09:00", "打开任务", "http://kf.test/tasks/7")
    body = payload(kind, form, message)
    inner = body[form]
    text = inner.get("content") or inner["text"]
    assert len(text.encode()) <= LIMITS[form] and "…" in text
    assert text.endswith("http://kf.test/tasks/7)" if form == "markdown"
                         else "打开任务: http://kf.test/tasks/7")
    assert "截止时间：2026-03-04 09:00" in text
    if form == "markdown":  # a name cannot bring a link of its own
        assert "](http://evil.test)" not in text
