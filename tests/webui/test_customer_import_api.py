"""The customer import over HTTP: report, all-or-nothing, jobs for large files, hostile files,
who may import; every response checked against the OpenAPI document."""

from __future__ import annotations

import io
import zipfile
from contextlib import contextmanager

import pytest
from customer_files import csv_bytes, good_row, rows_with_bad, xlsx
from sqlalchemy import func, select
from webui_env import USERS, Client

from engine.models import Customer, CustomerImport

IMPORTERS = {"clerk"}
URL = "/api/customers/import"


def send(client: Client, content: bytes, name: str = "customers.csv", language: str = "en",
         **query) -> object:
    args = "&".join(f"{k}={v}" for k, v in query.items())
    return client.http.post(f"{URL}?{args}", data={"file": (io.BytesIO(content), name)},
                            headers={"X-CSRF-Token": client.csrf, "Accept": "application/json",
                                     "Accept-Language": language},
                            content_type="multipart/form-data")


def count(env) -> int:
    with env.session() as s:
        return s.scalar(select(func.count()).select_from(Customer)) or 0


@pytest.mark.parametrize("user", [*USERS, None])
def test_only_the_clerk_may_open_the_page_and_import(client_for, user):
    client = client_for(user)
    page = client.get("/customers/import")
    api = send(client, csv_bytes([good_row(1)]), dry_run="true")
    if user in IMPORTERS:
        assert (page.status_code, api.status_code) == (200, 200)
        assert "import-link" in client.get("/customers").get_data(as_text=True)
    elif user is None:
        assert page.status_code == 302 and api.status_code in (400, 401)
    else:
        assert (page.status_code, api.status_code) == (403, 403)
        assert "import-link" not in client.get("/customers").get_data(as_text=True)


def test_check_then_import_a_small_file_in_the_request(client_for, env):
    clerk = client_for("clerk")
    content = xlsx(rows_with_bad(20))
    checked = send(clerk, content, "c.xlsx")  # dry run by default
    assert checked.status_code == 200
    assert checked.get_json() == {"rows": 20, "imported": 0, "updated": 0, "dry_run": True,
                                  "problems": [], "problems_left_off": 0}
    assert count(env) == 0
    done = send(clerk, content, "c.xlsx", dry_run="false")
    assert (done.status_code, done.get_json()["imported"]) == (200, 20)
    assert count(env) == 20


def test_a_file_with_a_bad_row_is_refused_whole_with_the_problems(client_for, env):
    rows = rows_with_bad(10)
    rows[4][10] = "not-an-address"
    refused = send(client_for("clerk"), csv_bytes(rows), language="zh-CN", dry_run="false")
    body = refused.get_json()
    assert refused.status_code == 422 and body["error"] == "import_refused"
    assert body["problems"] == [{"row": 6, "column": "联系人邮箱",
                                 "message": "不是有效的邮箱地址：not-an-address。"}]
    assert body["imported"] == 0 and count(env) == 0


def test_a_duplicate_name_and_an_update(client_for, env):
    clerk = client_for("clerk")
    assert send(clerk, csv_bytes([good_row(1)]), dry_run="false").status_code == 200
    changed = good_row(1)
    changed[2] = "水电"
    again = send(clerk, csv_bytes([changed]), dry_run="false")
    assert again.status_code == 422
    assert "already exists" in again.get_json()["problems"][0]["message"]
    updated = send(clerk, csv_bytes([changed]), dry_run="false", update="true")
    assert (updated.status_code, updated.get_json()["updated"]) == (200, 1)
    with env.session() as s:
        assert s.scalars(select(Customer.industry)).one() == "水电"


def zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"<x>" + b" " * 19_000_000 + b"</x>")
    return out.getvalue()


@pytest.mark.parametrize(("content", "name", "status"), [
    (zip_bomb(), "bomb.xlsx", 413),
    (csv_bytes([good_row(1)], encoding="utf-16"), "c.csv", 422),
    (b"PK\x05\x06" + b"\0" * 18, "broken.xlsx", 422),
    (b"name\n", "c.txt", 422),
])
def test_hostile_and_unreadable_files_are_refused(client_for, env, content, name, status):
    response = send(client_for("clerk"), content, name, dry_run="false")
    assert response.status_code == status, response.get_json()
    assert response.get_json()["error"] in ("import_file_too_large", "invalid_import_file")
    assert count(env) == 0


def test_bad_requests(client_for):
    clerk = client_for("clerk")
    assert send(clerk, b"x", dry_run="maybe").status_code == 422
    no_file = clerk.http.post(URL, data={}, headers={"X-CSRF-Token": clerk.csrf},
                              content_type="multipart/form-data")
    assert no_file.status_code == 422


@contextmanager
def worker_transaction(env):
    with env.session() as s, s.begin():
        yield s


def test_a_large_file_runs_as_a_job_that_only_its_creator_follows(client_for, env):
    clerk = client_for("clerk")
    queued = send(clerk, csv_bytes(rows_with_bad(2001)), dry_run="false")
    assert queued.status_code == 202
    job = queued.get_json()
    assert (job["status"], job["rows"], job["processed"]) == ("queued", 2001, 0)
    assert queued.headers["Location"].endswith(f"/api/imports/{job['id']}")
    assert client_for("clerk").get(f"/api/imports/{job['id']}").status_code == 200
    assert client_for("dept_head").get(f"/api/imports/{job['id']}").status_code == 404
    assert clerk.get("/api/imports/99999").status_code == 404

    with env.session() as s, s.begin():
        job_id = env.kf.claim_customer_import(s)
    env.kf.run_customer_import(lambda: worker_transaction(env), job_id)
    done = clerk.get(f"/api/imports/{job['id']}").get_json()
    assert (done["status"], done["processed"], done["imported"], done["problems"]) == (
        "done", 2001, 2001, [])
    assert count(env) == 2001
    with env.session() as s:
        assert s.get(CustomerImport, job_id).content is None


def test_postgres_import_with_a_duplicate(pg_app):
    clerk = Client(pg_app, "clerk")
    rows = [good_row(1), good_row(2), good_row(1)]
    refused = send(clerk, xlsx(rows), "c.xlsx", dry_run="false")
    assert refused.status_code == 422
    assert [(p["row"], p["column"]) for p in refused.get_json()["problems"]] == [
        (4, "客户名称")]
    assert send(clerk, xlsx(rows[:2]), "c.xlsx", dry_run="false").get_json()["imported"] == 2
