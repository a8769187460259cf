"""Attachments in a real Chromium: a senior manager uploads a quotation from the task page,
the head downloads it under its Chinese name, another senior manager gets 404, and a file
over 20 MB is refused with a message, by the page's script and (scripts off) by the server,
in Chinese and in English."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import attachment_files as files
import pytest
from sqlalchemy import func, select
from test_browser_flow import Person
from webui_env import Env, live_app

from engine.models import Attachment


def in_english(person: Person) -> Person:
    """Switch the person's pages to English (the language cookie the header's switch sets)."""
    person.context.add_cookies([{"name": "lang", "value": "en", "url": person.base}])
    return person


@pytest.fixture
def live(prepared_db: Path, tmp_path: Path) -> Iterator[tuple[str, Env]]:
    """A live server with the default attachment limit (20 MB)."""
    with live_app(prepared_db, tmp_path) as (base, app):
        yield base, Env(app)


def attachment_count(env: Env) -> int:
    with env.session() as s:
        return s.scalar(select(func.count()).select_from(Attachment)) or 0


def test_upload_from_the_task_page_download_and_404(browser, live, tmp_path):
    base, env = live
    instance_id = env.start()
    task_id = env.open_task(instance_id).id
    quote_file = tmp_path / "报价单 2026.pdf"
    quote_file.write_bytes(files.pdf())

    manager = Person(browser, base, "senior_manager")
    page = manager.page
    manager.go(f"/tasks/{task_id}")
    assert "暂无附件" in page.inner_text("#attachments")
    page.set_input_files("#attachment-file", str(quote_file))
    page.click("#attachment-upload")
    page.wait_for_url(f"{base}/tasks/{task_id}#attachments")
    assert "已添加附件 报价单 2026.pdf。" in page.inner_text("body")
    row = page.inner_text("#attachments li")
    assert "报价单 2026.pdf" in row and "senior_manager user" in row
    assert f"{len(files.pdf())} B" in row
    manager.close()

    head = in_english(Person(browser, base, "dept_head"))
    page = head.page
    head.go(f"/instances/{instance_id}")
    assert "Attachment added" in page.inner_text("#history")
    with page.expect_download() as downloading:
        page.click("#attachments li a")
    download = downloading.value
    assert download.suggested_filename == "报价单 2026.pdf"
    assert Path(download.path()).read_bytes() == files.pdf()
    link = page.get_attribute("#attachments li a", "href")
    head.close()

    other = in_english(Person(browser, base, "sm2"))
    response = other.page.goto(base + link)
    assert response is not None and response.status == 404
    assert "Not found, or not yours to see." in other.page.inner_text("body")
    api = other.page.goto(f"{base}/api/instances/{instance_id}/attachments")
    assert api is not None and api.status == 404
    other.close()


@pytest.mark.parametrize(("scripts", "language", "words"), [
    (True, "zh", "文件超过 20 MB。"), (False, "en", "The file is larger than 20 MB.")],
    ids=["script-zh", "server-en"])
def test_a_file_over_20_mb_is_refused_with_a_message(browser, live, tmp_path, scripts,
                                                     language, words):
    base, env = live
    instance_id = env.start()
    task_id = env.open_task(instance_id).id
    big = tmp_path / "现场照片合集.txt"
    big.write_bytes(b"x" * (20 * 1024 * 1024 + 1))
    manager = Person(browser, base, "senior_manager", java_script_enabled=scripts)
    if language == "en":
        in_english(manager)
    page = manager.page
    manager.go(f"/tasks/{task_id}")
    page.set_input_files("#attachment-file", str(big))
    if scripts:  # refused before it is sent: the message beside the form, the page stays
        page.click("#attachment-upload")
        page.wait_for_selector(".upload-error:visible")
        assert page.inner_text(".upload-error") == words
        assert page.url == f"{base}/tasks/{task_id}"
    else:  # the server refuses it: 413 and the same words on the error page
        with page.expect_response(lambda r: r.request.method == "POST") as answer:
            page.click("#attachment-upload")
        assert answer.value.status == 413
        page.wait_for_selector(".error-page")
        assert words in page.inner_text(".error-page")
    assert attachment_count(env) == 0
    manager.close()
