"""Mails and reminders in the recipient's language, from the gettext catalog (engine/i18n)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from engine.i18n import known_language, texts_for
from engine.mail import MailComposer
from engine.models import HumanTask, Notification
from engine.outbox import task_assigned_text
from engine.reminders import texts

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOTICE = {"task": "拜访计划", "process": "大客户拜访", "customer": "华建路桥",
          "due": "2026-03-04 09:00"}


def test_a_moment_is_written_in_the_company_time_zone():
    when = datetime(2026, 3, 4, 1, 0, tzinfo=UTC)
    assert texts.local(when, SHANGHAI, "zh") == texts.local(when, SHANGHAI, "en") == \
        "2026-03-04 09:00"


@pytest.mark.parametrize("kind,nth,zh,en", [
    ("due_soon", 1, "即将到期：拜访计划", "Due soon: 拜访计划"),
    ("overdue", 1, "已逾期：拜访计划", "Overdue: 拜访计划"),
    ("overdue", 3, "已逾期：拜访计划（第 3 次提醒）", "Overdue: 拜访计划 (reminder 3)"),
    ("escalation", 1, "升级提醒：拜访计划 已逾期", "Escalation: 拜访计划 is overdue"),
])
def test_task_notices_in_both_languages(kind, nth, zh, en):
    subject, body = texts.task_notice(kind, "zh", nth=nth, **NOTICE)
    assert subject == zh and "2026-03-04 09:00" in body
    assert body.endswith("流程 大客户拜访，客户 华建路桥。")
    subject, body = texts.task_notice(kind, "en", nth=nth, **NOTICE)
    assert subject == en and body.endswith("Process 大客户拜访, customer 华建路桥.")


def test_escalation_says_who_holds_the_task():
    assert "Nobody has claimed it yet." in texts.task_notice("escalation", "en", **NOTICE)[1]
    body = texts.task_notice("escalation", "zh", assignee="王经理", **NOTICE)[1]
    assert "当前处理人：王经理。" in body


def test_the_digest_counts_with_plural_forms_and_writes_the_day_in_words():
    mine = [("拜访计划", "2026-03-04 09:00"), ("回访", "")]
    subject, body = texts.digest("en", date(2026, 3, 2), mine, 1)
    assert subject == "Your tasks for March 2, 2026"
    assert body == ("Your open tasks on March 2, 2026: 2.\n- 拜访计划 (due 2026-03-04 09:00)\n"
                    "- 回访\n\n1 unclaimed task waits in your roles.")
    assert texts.digest("en", date(2026, 3, 2), [], 4)[1].endswith(
        "4 unclaimed tasks wait in your roles.")
    subject, body = texts.digest("zh", date(2026, 3, 2), mine, 4)
    assert subject == "2026年3月2日 待办任务汇总"
    assert "- 拜访计划（2026-03-04 09:00 到期）" in body
    assert body.endswith("另有 4 项任务等待您所在的角色认领。")


def test_birthday_day_and_month_by_the_locale():
    assert texts.birthday("zh", contact="李总", customer="华建路桥", day=date(2026, 3, 4)) == (
        "3月4日生日提醒：李总（华建路桥）", "华建路桥 的关键联系人 李总 将于 3月4日过生日。")
    assert texts.birthday("en", contact="Li", customer="Huajian", day=date(2026, 3, 4))[0] == \
        "Birthday on March 4: Li (Huajian)"


def test_customer_mails_greet_by_name_in_the_links_language():
    zh = texts.customer_invite("zh", task="确认拜访时间", customer="华建路桥",
                               url="http://kf.test/c/1/x", expires="2026-03-09 09:00")
    assert zh[0] == "请确认：确认拜访时间" and zh[1].startswith("华建路桥，您好：")
    en = texts.customer_invite("en", task="Confirm the visit", customer=None,
                               url="http://kf.test/c/1/x", expires="2026-03-09 09:00")
    assert en[1].startswith("Hello,\n\nplease confirm") and "expires at 2026-03-09" in en[1]
    why = texts.customer_unreachable("en", task="t", customer=None, process="Visit",
                                     invalid="not-an-address")[1]
    assert '("not-an-address") is not a valid e-mail address' in why


def test_names_come_in_the_readers_variant():
    assert texts.name_in("en", "拜访计划", "Visit plan") == "Visit plan"
    assert texts.name_in("en", "拜访计划", None) == "拜访计划"
    assert texts.name_in("zh", "拜访计划", "Visit plan") == "拜访计划"
    task = HumanTask(name="审批", name_en="Approval", process_key="approval", instance_id=7)
    assert task_assigned_text(task, "en") == (
        "New task: Approval",
        'The task "Approval" of process approval (instance 7) is assigned to you.')
    assert task_assigned_text(task, "zh")[0] == "新任务：审批"


def test_unknown_language_codes_read_chinese():
    assert known_language("fr") == known_language(None) == known_language(["en"]) == "zh"
    assert texts_for("fr")._("Open the task") == "打开任务"


@pytest.mark.parametrize("language,label,footer", [
    ("zh", "打开任务", "此邮件由 keyflow 大客户服务部流程系统自动发送。"),
    ("en", "Open the task", "Sent automatically by keyflow"),
    ("fr", "打开任务", "此邮件由 keyflow"),
])
def test_mail_link_and_footer_in_the_recipients_language(language, label, footer):
    note = Notification(id=1, idempotency_key="k:1", recipient_email="a@example.test",
                        language=language, kind="task_overdue", subject="s", body="b",
                        task_id=5, created_at=datetime(2026, 3, 2, tzinfo=UTC))
    message = MailComposer("http://kf.test", "keyflow <kf@kf.test>").compose(note).message()
    text = message.get_body(("plain",)).get_content()
    assert f"{label}: http://kf.test/tasks/5" in text and footer in text
    assert footer in message.get_body(("html",)).get_content()
    assert message["Content-Language"] == known_language(language)
