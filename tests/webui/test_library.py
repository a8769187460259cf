"""The process library: versions and usage, zip download, upload with every problem shown,
and the migration page."""

from __future__ import annotations

import io
import zipfile

import pytest
from sqlalchemy import select
from webui_env import DATA

from engine.deployment import Bundle
from engine.models import HumanTask, ProcessDefinition, ProcessInstance

OWNER_PAGES = ["/library", "/library/approval/v1.zip", "/library/approval/migrations",
               "/editor/approval"]


@pytest.mark.parametrize("path", OWNER_PAGES)
@pytest.mark.parametrize("username", ["senior_manager", "admin", "nobody"])
def test_pages_are_for_process_owners_only(client_for, path, username):
    assert client_for(username).get(path).status_code == 403
    assert client_for("process_owner").get(path).status_code == 200


def test_library_lists_versions_with_running_counts(client_for, env):
    env.start("approval")
    env.start("approval")
    page = client_for("process_owner").get("/library").get_data(as_text=True)
    assert 'data-key="approval"' in page and 'data-key="webui_flow"' in page
    section = page.split('data-key="approval"')[1].split("</section>")[0]
    assert 'data-version="1"' in section
    assert '<td class="running">2</td>' in section


def test_download_is_a_zip_that_deploys_as_the_same_version(client_for, env):
    response = client_for("process_owner").get("/library/approval/v1.zip")
    assert response.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        names = set(archive.namelist())
        items = [(n, archive.read(n)) for n in names]
    assert "approval.bpmn" in names and "forms/review_decision.json" in names
    result = env.run(lambda s, kf, u: kf.deploy(s, Bundle.from_items(items)))
    assert [(r.version, r.created) for r in result] == [(1, False)]


def _zip(folder: str, change: tuple[bytes, bytes] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in (DATA / folder).rglob("*"):
            if path.is_file():
                data = path.read_bytes()
                if change and path.suffix == ".bpmn":
                    data = data.replace(*change)
                archive.writestr(path.relative_to(DATA / folder).as_posix(), data)
    return buffer.getvalue()


def test_upload_a_zip_makes_a_new_version(client_for, env):
    client = client_for("process_owner")
    body = _zip("approval", (b'value="P2D"', b'value="P4D"'))
    response = client.post("/library/upload", {"files": (io.BytesIO(body), "a.zip")},
                           content_type="multipart/form-data", follow_redirects=True)
    assert response.status_code == 200
    assert "approval" in response.get_data(as_text=True)
    with env.session() as s:
        newest = s.scalars(select(ProcessDefinition).where(ProcessDefinition.key == "approval")
                           .order_by(ProcessDefinition.version.desc())).first()
        assert newest is not None and newest.version == 2
        assert newest.deployed_by is not None and newest.deployed_by.username == "process_owner"


def test_upload_shows_every_problem_and_stores_nothing(client_for, env):
    client = client_for("process_owner")
    files = [(io.BytesIO(p.read_bytes()), p.name)
             for p in (DATA / "invalid" / "unknown_role").glob("*.bpmn")]
    response = client.post("/library/upload", {"files": files},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'class="element-id">mop_floor<' in page and "janitor" in page
    with env.session() as s:
        assert s.scalars(select(ProcessDefinition.key)).all().count("approval") == 1


def _review_instance(env) -> int:
    instance_id = env.start("approval")
    env.complete(env.open_task(instance_id).id, "senior_manager",
                 {"title": "t", "amount": 10, "costs": 1})
    return instance_id


def test_migration_page_moves_a_movable_instance(client_for, env):
    movable = _review_instance(env)
    stuck = env.start("approval")  # waits at `submit`, which the new version renames
    bpmn = (DATA / "approval" / "approval.bpmn").read_bytes()
    changed = (bpmn.replace(b'"submit"', b'"submit2"').replace(b">submit<", b">submit2<")
               .replace(b'"submit_di"', b'"s2_di"'))
    forms = [(f"forms/{p.name}", p.read_bytes()) for p in (DATA / "approval" / "forms").iterdir()]
    env.run(lambda s, kf, u: kf.deploy(s, Bundle.from_items([("approval.bpmn", changed),
                                                             *forms])))
    client = client_for("process_owner")
    page = client.get("/library/approval/migrations").get_data(as_text=True)
    assert f'data-instance="{movable}" class="movable"' in page
    assert f'data-instance="{stuck}" class="not-movable"' in page and "&#39;submit&#39;" in page
    assert client.post(f"/library/approval/migrations/{movable}").status_code == 302
    assert client.post(f"/library/approval/migrations/{stuck}").status_code == 409
    with env.session() as s:
        versions = dict(s.execute(select(ProcessInstance.id, ProcessDefinition.version)
                                  .join(ProcessDefinition)).tuples().all())
        assert versions[movable] == 2 and versions[stuck] == 1
        assert s.scalar(select(HumanTask.state).where(HumanTask.instance_id == movable,
                                                      HumanTask.bpmn_id == "review")) == "ready"


def test_migrate_needs_csrf(client_for, env):
    instance_id = env.start("approval")
    response = client_for("process_owner").http.post(
        f"/library/approval/migrations/{instance_id}")
    assert response.status_code == 400


def test_oversized_zip_member_is_refused_before_reading(client_for, env):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("big.bpmn", b" " * (3 * 1024 * 1024))  # compresses to a few KB
    response = client_for("process_owner").post(
        "/library/upload", {"files": (io.BytesIO(buffer.getvalue()), "b.zip")},
        content_type="multipart/form-data")
    assert response.status_code == 413 and "文件过大" in response.get_data(as_text=True)
