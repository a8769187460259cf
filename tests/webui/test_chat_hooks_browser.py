"""A work-chat robot set on the profile page in a real Chromium: the page refuses an address
outside the allowed hosts with the reason, saves a good one (shown masked), sends a test
message; a task arriving in the head's pool then reaches the local fake robot API with the
task's and the instance's names, the due time and the absolute link, and the profile shows
how the latest message fared."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from test_browser_flow import Person
from test_work_browser import in_english
from webui_env import live_app, relay_all

KEY = "head-robot-0000-9999"

LOCAL = frozenset({"127.0.0.1"})  # the fake robot's host


@pytest.fixture
def live(prepared_db: Path, tmp_path: Path) -> Iterator[tuple[str, Flask]]:
    """The live server (chat hooks may post to 127.0.0.1) and its app."""
    with live_app(prepared_db, tmp_path, CHAT_HOOK_HOSTS="127.0.0.1") as served:
        yield served



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
    relay_all(app, base, LOCAL)
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

    relay_all(app, base, LOCAL)
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
