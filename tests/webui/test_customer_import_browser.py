"""The import page in a real Chromium: a clerk uploads a list with a bad row (the preview names
its row and column, nothing can be imported), then the fixed list (preview, confirm, imported),
then a large list that runs as a job whose progress the page follows."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from customer_files import csv_bytes, rows_with_bad, xlsx
from sqlalchemy import func, select
from test_browser_flow import Person
from webui_env import Env, live_app

from engine.models import Customer


@pytest.fixture
def live(prepared_db: Path, tmp_path: Path) -> Iterator[tuple[str, Env]]:
    """A live server on loopback, with engine access to the same database."""
    with live_app(prepared_db, tmp_path) as (base, app):
        yield base, Env(app)


def run_queued_job(env, timeout: float = 30.0) -> None:
    """Play the worker: wait for the page's job to be queued, then run it."""

    @contextmanager
    def transaction():
        with env.session() as s, s.begin():
            yield s

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with env.session() as s, s.begin():
            job_id = env.kf.claim_customer_import(s)
        if job_id is not None:
            env.kf.run_customer_import(transaction, job_id)
            return
        time.sleep(0.1)
    raise AssertionError("no import job was queued")


def customers(env) -> int:
    with env.session() as s:
        return s.scalar(select(func.count()).select_from(Customer)) or 0


def test_upload_preview_and_import(browser, live, tmp_path):
    base, env = live
    bad_rows = rows_with_bad(3)
    bad_rows[2][10] = "wang@@example"
    (tmp_path / "bad.csv").write_bytes(csv_bytes(bad_rows))
    (tmp_path / "good.xlsx").write_bytes(xlsx(rows_with_bad(3)))
    (tmp_path / "large.csv").write_bytes(csv_bytes(rows_with_bad(2100)[3:]))

    clerk = Person(browser, base, "clerk")
    page = clerk.page
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    clerk.go("/customers")
    page.click("#import-link")
    page.wait_for_url(f"{base}/customers/import")

    page.set_input_files("#import-file", str(tmp_path / "bad.csv"))
    page.click("#import-check")
    page.wait_for_selector("#import-problems tbody tr")
    cells = page.locator("#import-problems tbody tr td").all_inner_texts()
    assert cells == ["4", "联系人邮箱", "不是有效的邮箱地址：wang@@example。"]
    assert "发现 1 个问题" in page.inner_text("#import-status")
    assert page.locator("#import-confirm").is_hidden()

    page.set_input_files("#import-file", str(tmp_path / "good.xlsx"))
    page.click("#import-check")
    page.wait_for_selector("#import-confirm:visible")
    assert page.inner_text("#import-confirm") == "导入 3 个客户"
    assert page.locator("#import-problems").is_hidden() and customers(env) == 0
    page.click("#import-confirm")
    page.wait_for_selector("#import-done:visible")
    assert "已导入 3 个客户" in page.inner_text("#import-status")
    assert customers(env) == 3

    page.set_input_files("#import-file", str(tmp_path / "large.csv"))
    page.click("#import-check")
    page.wait_for_selector("#import-progress:visible")
    run_queued_job(env)  # the dry run
    page.wait_for_selector("#import-confirm:visible")
    assert "已读取 2097 行，未发现问题" in page.inner_text("#import-status")
    page.click("#import-confirm")
    run_queued_job(env)  # the import
    page.wait_for_selector("#import-done:visible")
    assert "已导入 2097 个客户" in page.inner_text("#import-status")
    assert customers(env) == 2100

    page.click("#import-done a")
    page.wait_for_url(f"{base}/customers")
    assert "客户00001" in page.inner_text("#customers")
    assert console_errors == []
    clerk.close()
