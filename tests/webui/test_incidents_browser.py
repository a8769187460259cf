"""Incidents in a real Chromium: a process owner sees two failed quotes, uploads the fixed
version, moves one there and retries it (the head then finds its task), and cancels the other
with a reason that its starter reads in the history."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from incident_env import INCIDENTS, deploy_quote, failed_quote, instance_row
from sqlalchemy import select
from test_browser_flow import Person
from webui_env import Env, live_app

from engine.models import AuditEvent, HumanTask


@pytest.fixture
def live(prepared_db: Path, tmp_path: Path) -> Iterator[tuple[str, Env]]:
    """A live server on loopback, with engine access to the same database."""
    with live_app(prepared_db, tmp_path) as (base, app):
        yield base, Env(app)


def incident(owner: Person, instance_id: int) -> str:
    return f'#incidents li[data-instance="{instance_id}"]'


def test_move_to_the_fixed_version_and_retry_then_cancel_the_other(browser, live):
    base, env = live
    deploy_quote(env, 1)
    fixed_later, given_up = failed_quote(env), failed_quote(env, amount=7)

    owner = Person(browser, base, "process_owner")
    page = owner.page
    page.on("dialog", lambda dialog: dialog.accept())  # the cancel button asks first
    assert page.inner_text('[data-count="incidents"]') == "2"
    page.click("#incidents-notice a")
    page.wait_for_url(f"{base}/incidents")
    first = incident(owner, fixed_later)
    assert "discount_rate" in page.inner_text(f"{first} .reason")
    assert "计算净价" in page.inner_text(f"{first} .element")
    assert page.locator(f"{first} button.migrate-retry").count() == 0

    page.click(f"{first} button.retry")  # as it is: the script still fails
    page.wait_for_selector(".flash.error[role=status]")
    assert "重试再次失败" in page.inner_text(".flash.error[role=status]")

    owner.go("/library")
    page.set_input_files("#upload-files", [str(INCIDENTS / "quote_v2" / "quote.bpmn"),
                                           *map(str, (INCIDENTS / "quote_v2" / "forms").iterdir())])
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector(".flash[role=status]")
    assert "已部署 quote 第 2 版" in page.inner_text("main")

    owner.go("/incidents")
    page.click(f"{first} button.migrate-retry")
    page.wait_for_selector(".flash.info")
    assert f"实例 #{fixed_later} 已在第 2 版上恢复运行。" in page.inner_text(".flash.info")
    assert page.locator(first).count() == 0
    instance = instance_row(env, fixed_later)
    assert (instance.status, instance.definition.version) == ("running", 2)

    second = incident(owner, given_up)
    page.fill(f"{second} input[name=reason]", "客户已撤回询价")
    page.click(f"{second} button.cancel")
    page.wait_for_selector("#no-incidents")
    assert f"实例 #{given_up} 已取消。" in page.inner_text(".flash.info")
    assert page.inner_text('[data-count="incidents"]') == "0"
    owner.close()

    head = Person(browser, base, "dept_head")
    head.claim_and_open_from_my_roles()
    assert head.page.inner_text("#task-title") == "审批报价"
    head.close()
    with env.session() as s:
        task = s.scalars(select(HumanTask).where(HumanTask.instance_id == fixed_later,
                                                 HumanTask.bpmn_id == "approve_quote")).one()
        assert task.state == "claimed"

    starter = Person(browser, base, "senior_manager")
    starter.go(f"/instances/{given_up}")
    assert starter.page.get_attribute("#status", "data-status") == "cancelled"
    cancelled = starter.page.locator("#history li[data-action='instance_cancelled']")
    assert "客户已撤回询价" in cancelled.inner_text()
    starter.close()
    with env.session() as s:
        event = s.scalars(select(AuditEvent).where(
            AuditEvent.instance_id == given_up, AuditEvent.action == "instance_cancelled")).one()
        assert event.data["reason"] == "客户已撤回询价"
