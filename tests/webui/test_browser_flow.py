"""The department's day in a real Chromium against a live server on loopback.

A senior manager starts the 4-role test process and fills its form (a validation error, then
the correction, a buying-centre row added with the button); the head claims and approves
from "my roles"; the director approves; the clerk files. The instance page shows the path
highlighted; the language switch works; a phone-sized screen needs no horizontal scrolling.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from webui_env import PASSWORD, live_app


@pytest.fixture
def live_server(prepared_db: Path, tmp_path: Path) -> Iterator[str]:
    """The app on a free loopback port, in a thread, on its own copy of the database."""
    with live_app(prepared_db, tmp_path) as (base, _):
        yield base


class Person:
    """One signed-in browser context."""

    def __init__(self, browser, base: str, username: str, **context) -> None:
        self.context = browser.new_context(locale="zh-CN", **context)
        self.page = self.context.new_page()
        self.base = base
        self.csp_errors: list[str] = []
        self.page.on("console", lambda m: self.csp_errors.append(m.text)
                     if "Content Security Policy" in m.text else None)
        self.page.goto(f"{base}/login")
        self.page.fill("#username", username)
        self.page.fill("#password", PASSWORD)
        self.page.click("#sign-in")
        self.page.wait_for_url(f"{base}/")

    def go(self, path: str) -> None:
        self.page.goto(self.base + path)

    def claim_and_open_from_my_roles(self) -> None:
        self.page.click("#tab-role")
        self.page.wait_for_selector("#tasks .task")
        self.page.click("#tasks .task button.claim")
        self.page.wait_for_selector("#task-form")

    def close(self) -> None:
        assert not self.csp_errors, self.csp_errors
        self.context.close()


def test_a_development_approval_from_start_to_filing(browser, live_server):
    manager = Person(browser, live_server, "senior_manager")
    page = manager.page
    manager.go("/processes")
    page.fill("#customer-webui_flow", "华建路桥集团")
    page.click('section[data-key="webui_flow"] button.start')
    page.wait_for_selector("#task-form")
    assert page.inner_text("#task-title") == "登记大客户开发申请"
    page.fill("#f-customer", "华建路桥集团")
    page.fill("#f-volume", "-5")
    page.fill("#f-visit_date", "2026-04-01")
    page.select_option("#f-industry", "tunnel")
    page.check('input[name="f.channel"][value="referral"]')
    page.fill("#f-plan", "提供一站式板房方案")
    page.fill("#f-buyers-0-name", "王总")
    page.select_option("#f-buyers-0-role", "decider")
    page.click('[data-add-row="f-buyers"]')
    page.fill("#f-buyers-1-name", "李工")
    page.select_option("#f-buyers-1-role", "influencer")
    page.click("#complete")
    page.wait_for_selector('.error[data-field="volume"]')
    assert page.inner_text('.error[data-field="volume"]') == "不能小于 0。"
    assert page.input_value("#f-buyers-1-name") == "李工"  # input kept
    assert page.input_value("#f-plan") == "提供一站式板房方案"
    page.fill("#f-volume", "6000")
    page.click("#complete")
    page.wait_for_url(f"{live_server}/")
    assert "已完成" in page.inner_text(".flash")

    for username, decision in (("dept_head", "decision"),
                               ("marketing_director", "director_decision")):
        person = Person(browser, live_server, username)
        person.claim_and_open_from_my_roles()
        person.page.check(f'input[name="f.{decision}"][value="approve"]')
        person.page.click("#complete")
        person.page.wait_for_url(f"{live_server}/")
        person.close()

    clerk = Person(browser, live_server, "clerk")
    clerk.claim_and_open_from_my_roles()
    clerk.page.fill("#f-account_number", "KA-0001")
    clerk.page.click("#complete")
    clerk.page.wait_for_url(f"{live_server}/")
    clerk.close()

    manager.go("/instances/1")
    page.wait_for_selector('#diagram[data-ready="true"]')
    assert page.get_attribute("#status", "data-status") == "completed"

    def classes(element_id: str) -> str:
        return page.get_attribute(f'g.djs-element[data-element-id="{element_id}"]', "class")

    for done in ("start", "register", "head_review", "director_approval", "file_account",
                 "filed"):
        assert "kf-done" in classes(done), done
    for taken in ("flow_register_review", "flow_head_approve", "flow_director_approve"):
        assert "kf-taken" in classes(taken), taken
    for skipped in ("head_rejected", "flow_return", "flow_head_reject"):
        assert "kf-done" not in classes(skipped) and "kf-taken" not in classes(skipped)
    assert page.locator("#history li[data-action='task_completed']").count() == 4
    manager.close()


def test_the_active_step_is_marked_while_waiting(browser, live_server):
    manager = Person(browser, live_server, "senior_manager")
    manager.go("/processes")
    manager.page.click('section[data-key="webui_flow"] button.start')
    manager.page.wait_for_selector("#task-form")
    manager.go("/instances/1")
    manager.page.wait_for_selector('#diagram[data-ready="true"]')
    assert "kf-active" in manager.page.get_attribute(
        'g.djs-element[data-element-id="register"]', "class")
    manager.close()


def test_language_switch_and_a_phone_sized_inbox(browser, live_server):
    manager = Person(browser, live_server, "senior_manager",
                     viewport={"width": 375, "height": 740})
    page = manager.page
    for customer in ("一个名字非常非常非常长的建筑工程集团有限公司第一分公司", "华建"):
        manager.go("/processes")
        page.fill("#customer-webui_flow", customer)
        page.click('section[data-key="webui_flow"] button.start')
        page.wait_for_selector("#task-form")
    manager.go("/")
    assert page.inner_text("h1") == "我的任务"
    page.click("#lang-switch")
    page.wait_for_selector("text=My tasks")
    assert page.inner_text("h1") == "My tasks"
    assert "due in 2 days" in page.inner_text("#tasks")
    for path in ("/", "/?scope=role", "/tasks/1", "/processes", "/instances/1"):
        manager.go(path)
        fits = page.evaluate(
            "document.documentElement.scrollWidth <= document.documentElement.clientWidth")
        assert fits, path
    manager.go("/")
    page.click("#lang-switch")
    page.wait_for_selector("text=我的任务")
    assert page.inner_text("h1") == "我的任务"
    manager.close()
