"""Feedback that reaches the person who acted, in a real Chromium, in Chinese and English
(issue 13, items 1–4): a malformed address is explained on its field; a task the volume check
sends back opens again for the manager with the reason on the field and the entries kept,
and the page does not say it is done; the head's second review starts without the first
decision; a rejected instance shows "rejected", not "completed"."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from sqlalchemy import select
from test_browser_flow import Person, live_server  # noqa: F401  (the fixture, reused)

from engine.clock import SystemClock
from engine.db import make_db_engine, make_session_factory
from engine.deployment import Bundle
from engine.models import OPEN_TASK_STATES, HumanTask, User
from engine.workflow_engine import WorkflowEngine

PROCESSES = Path(__file__).parents[2] / "processes"
SUBMISSIONS = json.loads((Path(__file__).parents[1] / "data" / "process_submissions.json")
                         .read_text(encoding="utf-8"))
DEV = "key_account_development"

TEXT = {
    "zh": {"email": "请输入有效的电子邮箱。", "done": "已完成：登记潜在客户",
           "returned": "收集基本信息已退回给您",
           "volumes": "单笔最大合同量不能大于累计签约量。", "rejected": "驳回",
           "completed": "已完成"},
    "en": {"email": "Enter a valid e-mail address.", "done": "Done: Register the prospect",
           "returned": "Collect basic information was sent back to you",
           "volumes": "The largest single contract cannot exceed the cumulative volume.",
           "rejected": "Rejected", "completed": "completed"},
}


class Department:
    """Engine commands on the live server's database (the server reads the same file)."""

    def __init__(self, path: Path) -> None:
        self.db_engine = make_db_engine(f"sqlite:///{path}")
        self.sessions = make_session_factory(self.db_engine)
        self.kf = WorkflowEngine(clock=SystemClock())

    def run(self, command):
        with self.sessions() as s:
            result = command(s, lambda name: s.scalars(
                select(User).where(User.username == name)).one())
            s.commit()
            return result

    def open_task(self, instance_id: int) -> HumanTask:
        with self.sessions() as s:
            return s.scalars(select(HumanTask).where(
                HumanTask.instance_id == instance_id, HumanTask.state.in_(OPEN_TASK_STATES))
                .order_by(HumanTask.id)).one()

    def complete(self, instance_id: int, by: str, data: dict) -> None:
        task_id = self.open_task(instance_id).id
        self.run(lambda s, u: self.kf.complete_task(s, task_id, u(by), data))


@pytest.fixture
def department(live_server, tmp_path):  # noqa: F811
    dept = Department(tmp_path / "live.db")
    dept.run(lambda s, u: dept.kf.deploy(s, Bundle.from_folder(PROCESSES)))
    yield live_server, dept
    dept.db_engine.dispose()


def _shot(page, name: str) -> None:
    """A screenshot for the issue's notes when KEYFLOW_TEST_SCREENSHOTS names a folder."""
    folder = os.environ.get("KEYFLOW_TEST_SCREENSHOTS")
    if folder:
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def _signed_in(browser, base, username, lang):
    person = Person(browser, base, username)
    if lang == "en":
        person.page.click("#lang-switch")
        person.page.wait_for_selector("html[lang='en']")
    return person


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_feedback_reaches_the_person_who_acted(browser, department, lang):
    base, dept = department
    words = TEXT[lang]
    instance_id = dept.run(lambda s, u: dept.kf.start_instance(s, DEV, u("senior_manager")).id)
    manager = _signed_in(browser, base, "senior_manager", lang)
    page = manager.page

    # item 2: a malformed address is explained on its field, in the reader's language
    manager.go(f"/tasks/{dept.open_task(instance_id).id}")
    page.fill("#f-customer_name", "中铁十局")
    page.select_option("#f-industry", "road_bridge")
    page.select_option("#f-source_channel", "referral")
    page.fill("#f-key_contact_name", "王工")
    page.fill("#f-key_contact_email", "wang@")
    page.click("#complete")
    page.wait_for_selector('.error[data-field="key_contact_email"]')
    assert page.inner_text('.error[data-field="key_contact_email"]') == words["email"]
    page.fill("#f-key_contact_email", "wang@example.test")
    page.click("#complete")
    page.wait_for_url(re.compile(rf"{base}/tasks/\d+$"))  # on to my next step of it
    assert words["done"] in page.inner_text(".flash")

    # item 1: the volume check sends the task back to the manager, reasons on the field
    basic = dept.open_task(instance_id)
    manager.go(f"/tasks/{basic.id}")
    page.fill("#f-customer_profile", "路桥施工总承包")
    page.fill("#f-cumulative_volume", "6000")
    page.fill("#f-largest_single_volume", "8000")
    page.check('input[name="f.credit"][value="good"]')
    page.click("#complete")
    returned = dept.open_task(instance_id)
    assert returned.id != basic.id
    assert returned.assignee_id == dept.run(lambda s, u: u("senior_manager").id)
    page.wait_for_url(f"{base}/tasks/{returned.id}")
    flash = page.inner_text(".flash")
    assert words["returned"] in flash and words["completed"] not in flash
    assert page.inner_text('.error[data-field="largest_single_volume"]') == words["volumes"]
    assert page.input_value("#f-largest_single_volume") == "8000"  # entries kept
    assert page.input_value("#f-customer_profile") == "路桥施工总承包"
    assert page.is_checked('input[name="f.credit"][value="good"]')
    _shot(page, f"returned-task-{lang}")
    page.fill("#f-largest_single_volume", "800")
    page.click("#complete")
    page.wait_for_url(re.compile(rf"{base}/tasks/\d+$"))
    manager.close()

    for step in ("analyse_usage", "deeper_analysis", "forecast", "development_application"):
        dept.complete(instance_id, "senior_manager", SUBMISSIONS[step])
    review = dept.open_task(instance_id)
    dept.run(lambda s, u: dept.kf.claim_task(s, review.id, u("dept_head")))
    dept.complete(instance_id, "dept_head", {"head_decision": "return",
                                             "head_comment": "补充方案细节"})
    dept.complete(instance_id, "senior_manager", {**SUBMISSIONS["development_application"],
                                                  "revision_note": "已补充"})

    # item 4: the second review starts without the first decision and comment
    head = _signed_in(browser, base, "dept_head", lang)
    page = head.page
    second = dept.open_task(instance_id)
    head.go(f"/tasks/{second.id}")
    page.click("#claim")
    page.wait_for_selector("#task-form")
    assert page.locator('#task-form input[name="f.head_decision"]:checked').count() == 0
    assert page.input_value("#f-head_comment") == ""
    page.check('input[name="f.head_decision"][value="reject"]')
    page.fill("#f-head_comment", "预期收益不足")
    page.click("#complete")
    page.wait_for_url(f"{base}/")

    # item 3: the instance says how it ended
    head.go(f"/instances/{instance_id}")
    status = page.inner_text("#status")
    assert status.startswith(words["rejected"]) and words["completed"] not in status
    assert page.get_attribute("#status", "data-outcome") == "rejected"
    _shot(page, f"rejected-instance-{lang}")
    head.close()
