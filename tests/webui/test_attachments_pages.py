"""Attachments on the instance and task pages and over the API: whoever sees the instance
uploads, lists and downloads; anyone else gets 404; refusals in the reader's language."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import attachment_files as files
import pytest
from sqlalchemy import select, text
from webui_env import upload

from engine.models import Attachment
from engine.settings import Settings
from webui import create_app
from webui.config import CODE_DEFAULTS

MB = 1024 * 1024


@pytest.fixture
def app_config():
    # A small limit keeps the too-large cases quick; the request limit sits just above it
    # so that the request-level 413 is reached too (the browser test uses the real 20 MB).
    return {"ATTACHMENT_MAX_MB": 1, "MAX_CONTENT_LENGTH": 2 * MB}


def test_upload_from_the_task_page_shows_on_both_pages_in_both_languages(client_for, env):
    instance_id = env.start()
    task_id = env.open_task(instance_id).id
    manager = client_for("senior_manager")
    page = manager.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert 'id="attachment-form"' in page and "暂无附件" in page and "最大 1 MB" in page
    sent = upload(manager, f"/instances/{instance_id}/attachments", files.pdf(), "拜访报告.pdf",
                  task_id=str(task_id))
    assert sent.status_code == 302 and sent.headers["Location"].endswith(
        f"/tasks/{task_id}#attachments")
    with env.session() as s:
        stored = s.scalars(select(Attachment)).one()
        assert (stored.task_id, stored.name) == (task_id, "拜访报告.pdf")
    link = f"/attachments/{stored.id}"
    zh = manager.get(f"/tasks/{task_id}").get_data(as_text=True).split('id="attachments"')[1]
    assert "拜访报告.pdf" in zh and link in zh and "senior_manager user" in zh
    assert f"{len(files.pdf())} B" in zh
    en = client_for("dept_head").get(f"/instances/{instance_id}",
                                     headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Attachments" in en and "拜访报告.pdf" in en.split('id="attachments"')[1]
    history = en.split('id="history"')[1]
    assert "Attachment added" in history and "拜访报告.pdf" in history
    assert "上传附件" in manager.get(f"/instances/{instance_id}").get_data(as_text=True)


def test_download_headers_and_who_may_download(client_for, env):
    instance_id = env.start()
    manager = client_for("senior_manager")
    created = upload(manager, f"/api/instances/{instance_id}/attachments", files.png(),
                     "现场 照片.png")
    assert created.status_code == 201
    body = created.get_json()
    assert (body["name"], body["media_type"], body["uploader_user"], body["uploader"]) == (
        "现场 照片.png", "image/png", "senior_manager", "senior_manager user")
    for url in (body["url"], f"/attachments/{body['id']}"):
        got = client_for("dept_head").get(url)
        assert got.status_code == 200 and got.data == files.png()
        assert got.headers["Content-Type"] == "image/png"
        assert got.headers["X-Content-Type-Options"] == "nosniff"
        assert got.headers["Content-Disposition"] == ("attachment; filename=\"__ __.png\"; "
                                                      "filename*=UTF-8''" + quote("现场 照片.png"))
        for outsider in ("sm2", "clerk"):
            assert client_for(outsider).get(url).status_code == 404
    assert client_for("sm2").get(f"/api/instances/{instance_id}/attachments").status_code == 404
    assert upload(client_for("sm2"), f"/api/instances/{instance_id}/attachments", files.pdf(),
                  "x.pdf").status_code == 404
    listed = client_for("dept_head").get(f"/api/instances/{instance_id}/attachments").get_json()
    assert [a["id"] for a in listed["attachments"]] == [body["id"]]
    history = client_for("dept_head").get(f"/api/instances/{instance_id}").get_json()["history"]
    assert [e["data"]["name"] for e in history if e["action"] == "attachment_added"] == [
        "现场 照片.png"]
    assert client_for("dept_head").get("/api/attachments/99999").status_code == 404


@pytest.mark.parametrize(("language", "words"), [("en", "plain text"), ("zh", "纯文本")])
def test_a_program_renamed_pdf_is_refused_in_the_readers_language(client_for, env, language,
                                                                  words):
    instance_id = env.start()
    manager = client_for("senior_manager")
    refused = upload(manager, f"/api/instances/{instance_id}/attachments", files.exe(),
                     "报价.pdf", headers={"Accept-Language": language})
    assert refused.status_code == 422 and words in refused.get_json()["message"]
    page = upload(manager, f"/instances/{instance_id}/attachments", files.exe(), "报价.pdf",
                  headers={"Accept-Language": language})
    assert page.status_code == 422 and words in page.get_data(as_text=True)
    with env.session() as s:
        assert s.scalars(select(Attachment)).all() == []


@pytest.mark.parametrize("size", [MB + 1, 3 * MB], ids=["over the setting", "over the request"])
def test_too_large_is_413_with_the_limit_in_words(client_for, env, app, size):
    instance_id = env.start()
    manager = client_for("senior_manager")
    api = upload(manager, f"/api/instances/{instance_id}/attachments", b"x" * size, "big.txt",
                 headers={"Accept-Language": "zh"})
    assert api.status_code == 413 and "文件超过 1 MB。" in api.get_json()["message"]
    page = upload(manager, f"/instances/{instance_id}/attachments", b"x" * size, "big.txt",
                  headers={"Accept-Language": "en"})
    assert page.status_code == 413
    assert "The file is larger than 1 MB." in page.get_data(as_text=True)
    assert not any(p.is_file() for p in (Path(app.config["VAR_DIR"]) / "attachments").rglob("*"))


def test_bad_requests_are_422(client_for, env):
    instance_id = env.start()
    manager = client_for("senior_manager")
    missing = manager.post(f"/api/instances/{instance_id}/attachments", {},
                           headers={"X-CSRF-Token": manager.csrf})
    assert missing.status_code == 422
    odd_task = upload(manager, f"/api/instances/{instance_id}/attachments", files.pdf(), "a.pdf",
                      task_id="first")
    assert odd_task.status_code == 422
    foreign = env.open_task(env.start()).id
    assert upload(manager, f"/api/instances/{instance_id}/attachments", files.pdf(), "a.pdf",
                  task_id=str(foreign)).status_code == 422


def test_the_request_limit_follows_the_attachment_limit(tmp_path):
    def limit(**settings):
        app = create_app(settings=Settings(database_url=f"sqlite:///{tmp_path / 'k.db'}",
                                           var_dir=str(tmp_path), secret_key="s", **settings))
        app.extensions["keyflow.db_engine"].dispose()
        return app.config["MAX_CONTENT_LENGTH"]

    assert limit() == CODE_DEFAULTS["MAX_CONTENT_LENGTH"] >= 20 * MB + 1
    assert limit(attachment_max_mb=50) == 51 * MB


def test_a_row_the_database_refuses_leaves_no_file(client_for, env, app):
    """The file is written before the row; when the database refuses the row (here a
    trigger, as a full disk would), the request's rollback removes the file again."""
    instance_id = env.start()
    with env.session() as s:
        s.execute(text("CREATE TRIGGER refuse_attachment BEFORE INSERT ON instance_attachment "
                       "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"))
        s.commit()
    manager = client_for("senior_manager")
    failed = upload(manager, f"/instances/{instance_id}/attachments", files.pdf(), "a.pdf")
    assert failed.status_code == 500
    store = Path(app.config["VAR_DIR"]) / "attachments"
    assert store.is_dir()  # the file was written, then removed
    assert not any(p.is_file() for p in store.rglob("*"))
