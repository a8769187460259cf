"""The summary per step and the inbox in a real Chromium, in Chinese and English: a head
reviewing a development application reads who entered what, labelled and formatted, with
the full data one click away (issue 13, item 6).

Screenshots go to the test's temporary folder, and also to KEYFLOW_TEST_SCREENSHOTS when
that names a folder (for the lead's note).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from department_env import BY_ROLE, SUBMISSIONS, department_database
from sqlalchemy import select
from webui_env import PASSWORD, live_app

from engine.clock import SystemClock
from engine.db import make_db_engine, make_session_factory
from engine.models import OPEN_TASK_STATES, HumanTask, User
from engine.workflow_engine import WorkflowEngine

TO_REVIEW = ("register_prospect", "collect_basic_info", "analyse_usage", "deeper_analysis",
             "forecast", "development_application")


def _at_head_review(path: Path) -> None:
    """A development started by the manager and worked up to the head's review."""
    clock = SystemClock()
    url = department_database(path, clock)
    db_engine = make_db_engine(url)
    kf = WorkflowEngine(clock=clock)
    with make_session_factory(db_engine)() as s:
        def user(login: str) -> User:
            return s.scalars(select(User).where(User.username == login)).one()

        instance = kf.start_instance(s, "key_account_development", user(BY_ROLE["senior_manager"]),
                                     customer_name="中铁十局")
        s.commit()
        for bpmn_id in TO_REVIEW:
            task = s.scalars(select(HumanTask).where(
                HumanTask.instance_id == instance.id, HumanTask.bpmn_id == bpmn_id,
                HumanTask.state.in_(OPEN_TASK_STATES))).one()
            kf.complete_task(s, task.id, user(BY_ROLE[task.role]), SUBMISSIONS[bpmn_id])
            s.commit()
    db_engine.dispose()


@pytest.fixture
def live_server(tmp_path: Path, _fast_password_hashing: None) -> Iterator[str]:
    prepared = tmp_path / "department.db"
    _at_head_review(prepared)
    with live_app(prepared, tmp_path) as (base, _):
        yield base


def _shot(page, tmp_path: Path, name: str, selector: str | None = None) -> None:
    target = tmp_path / name
    if selector:
        page.locator(selector).screenshot(path=str(target))
    else:
        page.screenshot(path=str(target), full_page=True)
    assert target.stat().st_size > 0
    folder = os.environ.get("KEYFLOW_TEST_SCREENSHOTS")
    if folder and Path(folder).is_dir():
        shutil.copy(target, Path(folder) / name)


@pytest.mark.parametrize("locale,lang", [("zh-CN", "zh"), ("en-US", "en")])
def test_the_head_reads_a_summary_per_step_and_the_full_data_one_click_away(
        browser, live_server, tmp_path, locale, lang):
    context = browser.new_context(locale=locale, viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.fill("#username", BY_ROLE["dept_head"])
    page.fill("#password", PASSWORD)
    page.click("#sign-in")
    page.wait_for_url(f"{live_server}/")
    # The head's own setting is English: the language switch's cookie chooses this page's.
    context.add_cookies([{"name": "lang", "value": lang, "url": live_server}])
    page.goto(f"{live_server}/")
    page.click("#tab-role")
    page.wait_for_selector("#tasks .task")
    process = page.locator("#tasks .task .process").first.inner_text()
    assert process == {"zh": "大客户开发", "en": "Key account development"}[lang]
    options = page.locator("select[name=process] option").all_inner_texts()
    assert "key_account_development" not in options and process in options
    _shot(page, tmp_path, f"inbox-{lang}.png")

    page.click("#tasks .task button.claim")
    page.wait_for_selector("#task-form")
    summary = page.locator("#summary")
    steps = summary.locator("article.step h3").all_inner_texts()
    words = {"zh": ("登记潜在客户", "张伟", "路桥", "600,000", "1980年5月17日"),
             "en": ("Register the prospect", "张伟", "Road and bridge", "600,000",
                    "May 17, 1980")}[lang]
    assert words[0] in steps
    text = summary.inner_text()
    for word in words[1:]:
        assert word in text, word
    for code in ("road_bridge", "register_prospect", "zhang_wei", "customer_classes"):
        assert code not in text
    _shot(page, tmp_path, f"summary-{lang}.png", "#summary")
    full = page.locator("#all-data")
    assert not page.locator("#process-data").is_visible()  # one click away
    full.locator("summary").click()
    assert page.locator("#process-data").is_visible()
    assert page.locator("#internal-data").count() == 0  # a head sees no working data
    _shot(page, tmp_path, f"all-data-{lang}.png", "#all-data")
    context.close()
