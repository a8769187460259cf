"""Chat hooks (engine/chat): who may set which, the SSRF guard's precise refusals, and the
chat rows written for work events in the command's own transaction."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.chat.addresses import HookHosts, check_url, masked_url
from engine.chat.hooks import HookRequest
from engine.errors import Forbidden, InvalidData, NotFound
from engine.models import ChatHook, HumanTask, Notification

SUBMIT = {"title": "板房 300 方", "amount": 1200, "costs": 200}
WECOM = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=aaaa-1111-bbbb-2222"
DINGTALK = "https://oapi.dingtalk.com/robot/send?access_token=cccc3333dddd4444"
NO_EXTRA = HookHosts()


def _chat(session, kind=None):
    query = select(Notification).where(Notification.channel == "chat")
    if kind:
        query = query.where(Notification.kind == kind)
    return session.scalars(query.order_by(Notification.id)).all()


@pytest.mark.parametrize(("url", "kind", "field_says"), [
    ("", "wecom", "Enter the robot's webhook address."),
    ("http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k", "wecom", "must start with https://"),
    ("https://evil.example/cgi-bin/webhook/send?key=k", "wecom", "Only these hosts are accepted"),
    ("https://127.0.0.1/cgi-bin/webhook/send?key=k", "wecom", "Only these hosts are accepted"),
    ("https://qyapi.weixin.qq.com:8443/cgi-bin/webhook/send?key=k", "wecom", "standard port"),
    ("https://u:p@qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k", "wecom", "a user name"),
    ("https://qyapi.weixin.qq.com/cgi-bin/webhook/send", "wecom", "has an address like"),
    (DINGTALK, "wecom", "has an address like https://qyapi"),
    (WECOM, "dingtalk", "has an address like https://oapi"),
    ("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k\nHost: x", "wecom", "spaces"),
])
def test_addresses_outside_the_robot_services_are_refused_with_the_reason(
        session, kf, users, url, kind, field_says):
    user = users["clerk"]
    user.language = "en"
    with pytest.raises(InvalidData) as refused:
        kf.set_chat_hook(session, user, None, HookRequest(kind, url=url), NO_EXTRA)
    assert field_says in refused.value.details["url"]
    assert session.scalars(select(ChatHook)).all() == []


def test_refusals_speak_the_users_language(session, kf, users):
    user = users["clerk"]  # zh
    with pytest.raises(InvalidData) as refused:
        kf.set_chat_hook(session, user, None, HookRequest(
            "wecom", url="https://evil.example/x?key=k", secret="s"), NO_EXTRA)
    details = refused.value.details
    assert details["url"].startswith("只接受这些主机") and "qyapi.weixin.qq.com" in details["url"]
    assert details["secret"] == "只有钉钉机器人才有加签密钥。"
    with pytest.raises(InvalidData) as refused:
        kf.set_chat_hook(session, user, None, HookRequest("slack", format="html"), NO_EXTRA)
    assert refused.value.details == {"kind": "请选择企业微信或钉钉。",
                                     "format": "请选择纯文本或 Markdown。"}


def test_extra_hosts_come_from_the_setting_and_may_use_http(session, kf, users):
    local = "http://127.0.0.1:8123/anything?key=k"
    with pytest.raises(InvalidData):
        kf.set_chat_hook(session, users["clerk"], None, HookRequest("wecom", url=local),
                         NO_EXTRA)
    assert check_url(local, "wecom", HookHosts(frozenset({"127.0.0.1"}))) == local
    assert check_url(local, "wecom", HookHosts(frozenset({"127.0.0.1:8123"}))) == local
    with pytest.raises(ValueError):
        check_url(local, "wecom", HookHosts(frozenset({"127.0.0.1:9999"})))


def test_a_user_sets_changes_and_removes_their_own_hook(session, kf, users):
    user = users["clerk"]
    hook = kf.set_chat_hook(session, user, None, HookRequest("dingtalk", "markdown", DINGTALK,
                                                             "SECabc"), NO_EXTRA)
    session.commit()
    assert (hook.user_id, hook.role_name, hook.kind, hook.format, hook.secret) == (
        user.id, None, "dingtalk", "markdown", "SECabc")
    assert user.chat_hook is not None and user.chat_hook.id == hook.id
    # no address, no secret: both kept; an empty secret removes it
    kf.set_chat_hook(session, user, None, HookRequest("dingtalk", "text"), NO_EXTRA)
    assert (hook.url, hook.secret, hook.format) == (DINGTALK, "SECabc", "text")
    kf.set_chat_hook(session, user, None, HookRequest("dingtalk", "text", secret=""), NO_EXTRA)
    assert hook.secret is None
    assert kf.remove_chat_hook(session, user, None) is True
    assert kf.remove_chat_hook(session, user, None) is False
    assert session.scalars(select(ChatHook)).all() == []


def test_only_admins_set_a_roles_hook_and_only_for_a_working_role(session, kf, users):
    request = HookRequest("wecom", url=WECOM)
    with pytest.raises(Forbidden):
        kf.set_chat_hook(session, users["dept_head"], "dept_head", request, NO_EXTRA)
    with pytest.raises(NotFound):
        kf.set_chat_hook(session, users["admin"], "customer", request, NO_EXTRA)
    with pytest.raises(NotFound):
        kf.set_chat_hook(session, users["admin"], "no_such_role", request, NO_EXTRA)
    hook = kf.set_chat_hook(session, users["admin"], "dept_head", request, NO_EXTRA)
    assert (hook.role_name, hook.user_id) == ("dept_head", None)


def test_masked_addresses_keep_only_the_keys_last_characters():
    assert masked_url(WECOM) == ("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…2222")
    assert "cccc3333" not in masked_url(DINGTALK)


def test_work_events_write_chat_rows_in_the_commands_transaction(session, kf, users, deploy):
    deploy("approval")
    manager, head, head2 = users["senior_manager"], users["dept_head"], users["head2"]
    head2.pool_mail_at_once = False  # digest only: no chat at once either
    mine = kf.set_chat_hook(session, manager, None, HookRequest("wecom", url=WECOM), NO_EXTRA)
    group = kf.set_chat_hook(session, users["admin"], "dept_head", HookRequest(
        "dingtalk", "markdown", DINGTALK), NO_EXTRA)
    own = kf.set_chat_hook(session, head, None, HookRequest(
        "wecom", url=WECOM.replace("aaaa", "eeee")), NO_EXTRA)
    kf.set_chat_hook(session, head2, None, HookRequest(
        "wecom", url=WECOM.replace("aaaa", "ffff")), NO_EXTRA)
    session.commit()

    # A head starts it for the manager: the manager's own hook hears of their first task.
    instance = kf.start_instance(session, "approval", head, customer_name="华建路桥",
                                 owner="senior_manager")
    session.rollback()  # nothing of a command survives its rollback, chat rows included
    assert _chat(session) == []
    instance = kf.start_instance(session, "approval", head, customer_name="华建路桥",
                                 owner="senior_manager")
    session.commit()
    submit = session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id)).one()
    [assigned] = _chat(session, "task_assigned")
    assert (assigned.idempotency_key, assigned.hook_id, assigned.task_id, assigned.status) == (
        f"chat:{mine.id}:task:{submit.id}:assigned", mine.id, submit.id, "pending")
    assert assigned.recipient_email is None and assigned.recipient_id == manager.id
    assert "Submit request" in assigned.body and "华建路桥" in assigned.body
    assert "Approval" in assigned.body and f"{instance.id}" in assigned.body

    kf.complete_task(session, submit.id, manager, SUBMIT)
    session.commit()
    review = session.scalars(select(HumanTask).where(HumanTask.bpmn_id == "review")).one()
    offered = _chat(session, "task_offered")
    assert [(n.hook_id, n.idempotency_key, n.language) for n in offered] == [
        (group.id, f"chat:{group.id}:task:{review.id}:offered", "zh"),
        (own.id, f"chat:{own.id}:task:{review.id}:offered", "zh")]

    kf.claim_task(session, review.id, head)
    kf.complete_task(session, review.id, head, {"decision": "return", "comment": "补充"})
    session.commit()
    again = session.scalars(select(HumanTask).where(
        HumanTask.bpmn_id == "submit", HumanTask.state == "claimed")).one()
    keys = {n.idempotency_key for n in _chat(session)}
    assert f"chat:{mine.id}:task:{again.id}:assigned" not in keys  # replaced, as the mail
    [returned] = _chat(session, "instance_returned")
    assert returned.idempotency_key == f"chat:{mine.id}:task:{again.id}:returned"
    assert "dept_head" in returned.body and "Submit request" in returned.body


def test_two_hooks_with_one_address_get_one_message(session, kf, users, deploy):
    deploy("approval")
    kf.set_chat_hook(session, users["admin"], "dept_head", HookRequest("wecom", url=WECOM),
                     NO_EXTRA)
    kf.set_chat_hook(session, users["dept_head"], None, HookRequest("wecom", url=WECOM),
                     NO_EXTRA)
    instance = kf.start_instance(session, "approval", users["senior_manager"])
    submit = session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id)).one()
    kf.complete_task(session, submit.id, users["senior_manager"], SUBMIT)
    session.commit()
    assert len(_chat(session, "task_offered")) == 1


def test_a_test_message_is_queued_for_the_relay(session, kf, users):
    with pytest.raises(NotFound):
        kf.test_chat_hook(session, users["clerk"], None)
    hook = kf.set_chat_hook(session, users["clerk"], None, HookRequest("wecom", url=WECOM),
                            NO_EXTRA)
    note = kf.test_chat_hook(session, users["clerk"], None)
    assert (note.kind, note.hook_id, note.channel) == ("chat_test", hook.id, "chat")
    assert "clerk" in note.body


def test_the_database_refuses_a_hook_of_two_owners_and_an_unknown_channel(session, users,
                                                                          clock):
    from sqlalchemy.exc import IntegrityError

    now = clock.now()
    with pytest.raises(IntegrityError), session.begin_nested():
        session.add(ChatHook(role_name="clerk", user_id=users["clerk"].id, kind="wecom",
                             url=WECOM, format="text", created_at=now, updated_at=now))
        session.flush()
    with pytest.raises(IntegrityError), session.begin_nested():
        session.add(ChatHook(user_id=users["clerk"].id, kind="slack", url=WECOM,
                             format="text", created_at=now, updated_at=now))
        session.flush()
    with pytest.raises(IntegrityError), session.begin_nested():
        session.add(Notification(idempotency_key="x", kind="k", subject="s", body="b",
                                 created_at=now, channel="pigeon"))
        session.flush()
