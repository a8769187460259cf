"""GET /api/processes/{key} lists versions with `current`; POST …/versions/{v}/current makes
an earlier version current (process owners, 404 when unknown); the library has the button."""

from __future__ import annotations

import io

from test_api import Api
from webui_env import DATA

from engine.deployment import Bundle


def approval_files(title: str = "Submit request") -> dict[str, bytes]:
    folder = DATA / "approval"
    files = {f"forms/{p.name}": p.read_bytes() for p in (folder / "forms").iterdir()}
    text = (folder / "approval.bpmn").read_text()
    files["approval.bpmn"] = text.replace('name="Submit request"', f'name="{title}"').encode()
    return files


def deploy_second_version(env) -> None:
    env.run(lambda s, kf, u: kf.deploy(
        s, Bundle.from_items(approval_files("Broken request").items()), u("process_owner")))


def test_versions_and_making_one_current(app, env):
    owner, manager = Api(app, env, "process_owner"), Api(app, env, "senior_manager")
    one = owner.get("/api/processes/approval").get_json()
    assert one["current_version"] == 1
    assert [(v["version"], v["current"]) for v in one["versions"]] == [(1, True)]
    deploy_second_version(env)
    two = manager.get("/api/processes/approval").get_json()
    assert [(v["version"], v["current"]) for v in two["versions"]] == [(2, True), (1, False)]
    assert two["versions"][0]["deployed_by"] == "process_owner"

    assert manager.post("/api/processes/approval/versions/1/current").status_code == 403
    assert owner.post("/api/processes/approval/versions/9/current").status_code == 404
    assert owner.post("/api/processes/nothing/versions/1/current").status_code == 404
    assert owner.get("/api/processes/nothing").status_code == 404

    made = owner.post("/api/processes/approval/versions/1/current")
    assert made.status_code == 200
    assert made.get_json()["current_version"] == 1
    started = manager.post("/api/processes/approval/instances", {"data": {}})
    instance = manager.get(f"/api/instances/{started.get_json()['id']}").get_json()
    assert instance["version"] == 1
    listed = {p["key"]: p["version"] for p in manager.get("/api/processes").get_json()[
        "processes"]}
    assert listed["approval"] == 1


def test_uploading_an_earlier_version_again_makes_it_current(app, env):
    owner = Api(app, env, "process_owner")
    deploy_second_version(env)
    files = approval_files()
    response = owner.http.post(
        "/api/deployments", headers=owner.headers, content_type="multipart/form-data",
        data={"files": [(io.BytesIO(data), name.removeprefix("forms/"))
                        for name, data in files.items()]})
    assert response.status_code == 201
    [deployed] = response.get_json()["processes"]
    assert (deployed["version"], deployed["created"], deployed["made_current"]) == (1, False, True)
    assert owner.get("/api/processes/approval").get_json()["current_version"] == 1


def test_the_library_button_makes_a_version_current(app, env, client_for):
    deploy_second_version(env)
    owner = client_for("process_owner")
    page = owner.get("/library").get_data(as_text=True)
    assert 'action="/library/approval/v1/current"' in page
    assert 'action="/library/approval/v2/current"' not in page  # v2 is current
    done = owner.post("/library/approval/v1/current")
    assert done.status_code == 302
    page = owner.get("/library").get_data(as_text=True)
    assert 'action="/library/approval/v2/current"' in page
    assert client_for("senior_manager").post("/library/approval/v1/current").status_code == 403
