"""A work-chat robot set on the profile page in a real Chromium: the page refuses an address
outside the allowed hosts with the reason, saves a good one (shown masked), sends a test
message; a task arriving in the head's pool then reaches the local fake robot API with the
task's and the instance's names, the due time and the absolute link, and the profile shows
how the latest message fared."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from test_browser_flow import Person
from test_work_browser import in_english
from webui_env import live_app

from engine.chat.addresses import HookHosts
from engine.chat.sender import ChatPoster
from engine.mail import FolderMailer, MailComposer, relay_one

KEY = "head-robot-0000-9999"


@pytest.fixture
def live(prepared_db: Path, tmp_path: Path) -> Iterator[tuple[str, Flask]]:
    """The live server (chat hooks may post to 127.0.0.1) and its app."""
    with live_app(prepared_db, tmp_path, CHAT_HOOK_HOSTS="127.0.0.1") as served:
        yield served


def relay_all(app: Flask, base: str) -> None:
    """Send every pending outbox row of the live app, as the embedded worker's relay does."""
    poster = ChatPoster(HookHosts(frozenset({"127.0.0.1"})), base, ZoneInfo("Asia/Shanghai"))
    composer = MailComposer(base, "kf <kf@kf.test>")
    folder = Path(app.config["VAR_DIR"]) / "mail"
    with app.extensions["keyflow.sessions"]() as session:
        while relay_one(session, FolderMailer(folder), composer, datetime.now(UTC), 10, poster):
            session.commit()
        session.commit()


def test_a_robot_set_on_the_profile_page_receives_the_task_notice(browser, live,
                                                                 chat_endpoint):
    base, app = live
    head = in_english(Person(browser, base, "dept_head"))
    head.go("/profile")
    head.page.select_option("#chat-kind", "wecom")
    head.page.fill("#chat-url", "https://hooks.evil.example/cgi-bin/webhook/send?key=x")
    head.page.click("#save-chat-hook")
    head.page.wait_for_selector("#chat-url-error")
    assert head.page.inner_text("#chat-url-error").startswith("Only these hosts are accepted")
    head.page.select_option("#chat-kind", "wecom")
    head.page.select_option("#chat-format", "markdown")
    head.page.fill("#chat-url", chat_endpoint.url(KEY))
    head.page.click("#save-chat-hook")
    head.page.wait_for_selector(".flash")
    assert head.page.inner_text(".flash") == "Your chat robot is saved."
    current = head.page.inner_text("#chat-hook-current")
    assert "WeCom" in current and "key=…9999" in current and KEY not in head.page.content()
    head.page.click("#test-chat-hook")
    head.page.wait_for_selector(".flash")
    relay_all(app, base)
    [test] = chat_endpoint.wait_for(1, KEY)
    assert "keyflow test message" in test.text

    manager = Person(browser, base, "senior_manager")
    manager.go("/processes")
    manager.page.fill("#customer-approval", "华建路桥")
    manager.page.click('section[data-key="approval"] button.start')
    manager.page.wait_for_selector("#task-form")
    manager.page.fill("#f-title", "板房 300 方")
    manager.page.fill("#f-amount", "1200")
    manager.page.fill("#f-costs", "200")
    manager.page.click("#complete")
    manager.page.wait_for_url(f"{base}/")
    manager.close()

    relay_all(app, base)
    notice = chat_endpoint.wait_for(2, KEY)[1]
    assert notice.body["msgtype"] == "markdown"
    text = notice.text
    assert "A task for your role: Review request" in text and "华建路桥" in text
    assert "Due:" in text and f"]({base}/tasks/" in text
    task_link = text.rsplit("](", 1)[1].rstrip(")")
    head.page.goto(task_link)  # the link opens the task for the head
    head.page.wait_for_selector("h1")
    assert "Review request" in head.page.inner_text("h1")
    head.go("/profile")
    assert "Latest message: sent" in head.page.inner_text("#chat-hook-last")
    head.close()
