"""Assignment and my lists in a real Chromium (issue 13, items 8 and 10).

A head starts a process naming its account manager, who finds the task in 我的任务 and hands
it to a colleague from the task page; the head then makes the first manager the owner again
from the instance page, and the history shows both hand-overs. A substitute arranged on the
substitutes page sees the absent person's task. The lists page shows the instances started
or owned, the tasks completed and, for a head, the department's open tasks; a head landing
on an empty 我的任务 sees the role's work; work arriving in a role's pool is mailed to
those who want it at once (the mail files are read). English where the text matters.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from flask import Flask
from test_browser_flow import Person, live_server  # noqa: F401  (the fixture)
from webui_env import live_app, relay_all


def in_english(person: Person) -> Person:
    """Switch the signed-in person's pages to English (the header's language switch)."""
    person.page.click("#lang-switch")
    person.page.wait_for_selector("html[lang='en']")
    return person


def test_owner_at_start_reassign_and_owner_change(browser, live_server):  # noqa: F811
    head = Person(browser, live_server, "dept_head")
    head.go("/processes")
    head.page.fill("#customer-webui_flow", "华建路桥集团")
    head.page.select_option("#owner-webui_flow", "sm2")
    head.page.click('section[data-key="webui_flow"] button.start')
    head.page.wait_for_selector("#owner")
    assert "sm2" in head.page.inner_text("#owner")
    instance_url = head.page.url

    sm2 = Person(browser, live_server, "sm2")
    sm2.page.wait_for_selector("#tasks .task")  # assigned at once: no claim
    sm2.page.click("#tasks .task .name a")
    sm2.page.wait_for_selector("#task-form")
    sm2.page.select_option("#reassign-user", "senior_manager")
    sm2.page.click("#reassign")
    sm2.page.wait_for_selector(".flash")
    assert "senior_manager user" in sm2.page.inner_text(".flash")  # the display name
    assert sm2.page.locator("#task-form").count() == 0  # no longer theirs to work
    sm2.close()

    manager = in_english(Person(browser, live_server, "senior_manager"))
    assert manager.page.locator("#tasks .task").count() == 1
    manager.close()

    head.page.goto(instance_url)
    head.page.select_option("#owner-user", "senior_manager")
    head.page.click("#change-owner")
    head.page.wait_for_selector("#history li[data-action='owner_changed']")
    assert "senior_manager user" in head.page.inner_text("#owner")
    handovers = head.page.locator("#history .handover").all_inner_texts()
    assert handovers == ["sm2 → senior_manager user", "sm2 → senior_manager user"]  # names
    head.close()


def test_a_substitute_sees_the_absent_persons_task(browser, live_server):  # noqa: F811
    manager = in_english(Person(browser, live_server, "senior_manager"))
    manager.go("/processes")
    manager.page.click('section[data-key="webui_flow"] button.start')
    manager.page.wait_for_selector("#task-form")
    manager.go("/profile")
    manager.page.click("#substitutes-link")
    today = date.today()
    manager.page.select_option("#substitute", "sm2")
    manager.page.fill("#from", (today - timedelta(days=1)).isoformat())
    manager.page.fill("#to", (today + timedelta(days=1)).isoformat())
    manager.page.click("#arrange")
    manager.page.wait_for_selector("#substitutions tr.active")
    assert manager.page.inner_text(".flash") == "The substitute is arranged."
    manager.close()
    sm2 = Person(browser, live_server, "sm2")
    assert sm2.page.locator("#tasks .task").count() == 1
    sm2.page.click("#tasks .task .name a")
    sm2.page.wait_for_selector("#task-form")  # may work it in the absent person's stead
    sm2.close()


def test_my_lists_and_landing_on_the_roles_work(browser, live_server):  # noqa: F811
    manager = Person(browser, live_server, "senior_manager")
    for customer in ("甲公司", "乙公司"):
        manager.go("/processes")
        manager.page.fill("#customer-approval", customer)
        manager.page.click('section[data-key="approval"] button.start')
        manager.page.wait_for_selector("#task-form")
    manager.page.fill("#f-title", "板房 300 方")
    manager.page.fill("#f-amount", "1200")
    manager.page.fill("#f-costs", "200")
    manager.page.click("#complete")
    manager.page.wait_for_url(f"{live_server}/")
    manager.page.click("#nav-lists")
    manager.page.wait_for_selector("#rows")
    assert manager.page.locator("#rows tr[data-instance-id]").count() == 2
    assert manager.page.inner_text("h1") == "我发起或负责的"
    manager.page.click("#tab-completed")
    manager.page.wait_for_selector("#rows .task")
    assert "乙公司" in manager.page.inner_text("#rows")
    manager.close()

    head = in_english(Person(browser, live_server, "dept_head"))
    assert head.page.inner_text("h1") == "Tasks offered to my roles"  # landed on the role tab
    assert head.page.locator("#tasks .task").count() == 1
    head.go("/instances")
    head.page.click("#tab-department")
    head.page.wait_for_selector("#rows .task")
    assert head.page.inner_text("h1") == "The department's open tasks"
    holders = head.page.locator("#rows .holder").all_inner_texts()
    assert sorted(holders) == ["senior_manager", "waiting to be claimed"]
    head.close()


@pytest.fixture
def live(prepared_db: Path, tmp_path: Path) -> Iterator[tuple[str, Flask]]:
    """The live server and its app (to relay its outbox into var/mail)."""
    with live_app(prepared_db, tmp_path) as served:
        yield served



def test_work_arriving_in_a_pool_is_mailed_unless_digest_only(browser, live):
    base, app = live
    head = in_english(Person(browser, base, "dept_head"))
    head.go("/profile")
    head.page.check("#pool-digest")
    head.page.click("#save-notices")
    head.page.wait_for_selector(".flash")
    assert head.page.inner_text(".flash") == "Your notice setting is saved."
    assert head.page.is_checked("#pool-digest")
    head.close()

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

    mails = [message_from_bytes(p.read_bytes(), policy=policy.default)
             for p in sorted(relay_all(app).glob("*.eml"))]
    offered = [m for m in mails if ":offered:" in m["X-Keyflow-Key"]]
    assert [m["To"] for m in offered] == ["head2@example.test"]  # not the digest-only head
    text = offered[0].get_body(("plain",)).get_content()
    assert "Review request" in offered[0]["Subject"] and "华建路桥" in text
    assert "http://kf.test/tasks/" in text
