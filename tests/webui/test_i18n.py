"""Chinese and English: chosen from the browser, switchable, complete."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from webui.catalog_zh import ZH
from webui.display import due_text
from webui.i18n import translate

WEBUI = Path(__file__).parents[2] / "webui"
OTHERS = ("cli.py", "/mail/", "/customer_link/")


def test_accept_language_picks_the_language(client_for):
    client = client_for("clerk")
    assert "我的任务" in client.get("/", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).get_data(
        as_text=True)
    english = client.get("/", headers={"Accept-Language": "en-US,en;q=0.8"}).get_data(as_text=True)
    assert "My tasks" in english and 'lang="en"' in english
    assert "我的任务" in client.get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)


def test_switch_is_remembered_in_a_cookie_and_on_the_user(client_for, env):
    client = client_for("clerk")
    response = client.post("/lang", {"lang": "en", "next": "/?scope=role"},
                           headers={"Accept-Language": "zh"})
    assert response.status_code == 302 and response.headers["Location"] == "/?scope=role"
    page = client.get("/", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert "My tasks" in page
    from sqlalchemy import select

    from engine.models import User

    with env.session() as s:
        assert s.scalars(select(User.language).where(User.username == "clerk")).one() == "en"
    client.post("/lang", {"lang": "zh", "next": "https://evil.example/"})
    assert "我的任务" in client.get("/").get_data(as_text=True)


def test_role_process_and_task_names_in_both_languages(client_for, env):
    env.start()
    client = client_for("senior_manager")
    zh = client.get("/").get_data(as_text=True)
    en = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "登记大客户开发申请" in zh and "高级业务经理" in zh and "大客户开发审批" in zh
    assert "Register the development application" in en and "Senior Business Manager" in en
    assert "Key account approval" in en


@pytest.mark.parametrize("delta,zh,en", [
    (timedelta(days=2, hours=3), "2天后到期", "due in 2 days"),
    (timedelta(days=1), "1天后到期", "due in 1 day"),
    (timedelta(hours=5), "5小时后到期", "due in 5 hours"),
    (timedelta(minutes=20), "20分钟后到期", "due in 20 minutes"),
    (timedelta(hours=-3), "已逾期3小时", "3 hours overdue"),
    (timedelta(days=-4), "已逾期4天", "4 days overdue"),
    (timedelta(seconds=-10), "已逾期1分钟", "1 minute overdue"),
])
def test_relative_due_times(app, delta, zh, en):
    now = datetime(2026, 3, 2, tzinfo=UTC)
    for lang, expected in (("zh", zh), ("en", en)):
        with app.test_request_context(headers={"Accept-Language": lang}):
            assert due_text(now + delta, now) == expected


def _message_ids() -> set[str]:
    found: set[str] = set()
    for path in [*WEBUI.rglob("*.py"), *WEBUI.rglob("*.html")]:
        if any(part in str(path) for part in OTHERS):
            continue
        text = path.read_text(encoding="utf-8")
        found |= set(re.findall(r'_\(\s*"((?:[^"\\]|\\.)+)"', text))
        found |= set(re.findall(r"_\(\s*'((?:[^'\\]|\\.)+)'", text))
    # Built from parts (`"action:" + …`, `"due in {n} " + unit`) and checked elsewhere.
    return {m for m in found if not m.endswith((":", " "))}


def test_every_message_has_a_chinese_translation():
    from webui.errors.handlers import EXPLANATIONS, HEADLINES
    from webui.tasks.messages import FORMAT_MESSAGES

    ids = _message_ids() | set(HEADLINES.values()) | set(EXPLANATIONS.values()) | set(
        FORMAT_MESSAGES.values())
    missing = sorted(m for m in ids if m not in ZH)
    assert not missing
    for message in ZH:
        assert translate(message, "zh", n=1, limit=1, user="u", task="t", state="s",
                         status="s", id=1, reason="r")


def test_audit_actions_and_states_have_both_languages():
    for key in ("action:task_completed", "state:completed", "status:running"):
        assert translate(key, "zh") != key and translate(key, "en") != key
