"""The editor's calls: drafts, validation with element ids, deploy with a diff, form preview."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import func, select
from webui_env import DATA

from engine.models import ProcessDefinition, ProcessDraft

CALLS = ["/editor/approval/draft", "/editor/approval/draft/discard", "/editor/approval/validate",
         "/editor/approval/deploy", "/editor/preview", "/editor/property"]


def approval_files() -> dict[str, str]:
    files = {"approval.bpmn": (DATA / "approval" / "approval.bpmn").read_text()}
    for path in (DATA / "approval" / "forms").iterdir():
        files[f"forms/{path.name}"] = path.read_text()
    return files


def versions(env) -> int:
    with env.session() as s:
        return s.scalar(select(func.count()).select_from(ProcessDefinition).where(
            ProcessDefinition.key == "approval")) or 0


@pytest.mark.parametrize("path", CALLS)
@pytest.mark.parametrize("username", ["finance", "admin"])
def test_calls_are_for_process_owners_only(client_for, env, path, username):
    response = client_for(username).post_json(path, {"files": approval_files()})
    assert response.status_code == 403
    assert versions(env) == 1


def test_api_deploy_is_for_process_owners_only(client_for):
    response = client_for("dept_head").post_json("/api/deployments", {})
    assert response.status_code == 403


def test_editor_page_carries_the_bundle_and_the_modelers(client_for):
    page = client_for("process_owner").get("/editor/approval").get_data(as_text=True)
    found = re.search(r'<script type="application/json" id="kf-bundle">(.*?)</script>', page,
                      re.S)
    assert found is not None
    bundle = json.loads(found.group(1))
    assert bundle["version"] == 1 and "approval.bpmn" in bundle["files"]
    assert "finance" in bundle["roles"]
    assert "/vendor/bpmn-modeler.js" in page
    assert "/vendor/dmn-js/dmn-modeler.production.min.js" in page
    assert "<script>" not in page  # no inline scripts (CSP)


@pytest.mark.parametrize(("language", "words"), [
    ("zh-CN", ['data-kind_text="文本"', 'data-kind_table="表格（多行）"', ">字段</button>"]),
    ("en", ['data-kind_text="Text"', 'data-kind_table="Table of rows"', ">Fields</button>"])])
def test_the_visual_form_editor_gets_its_words_in_the_users_language(client_for, language,
                                                                       words):
    page = client_for("process_owner").get(
        "/editor/approval", headers={"Accept-Language": language}).get_data(as_text=True)
    for word in words:
        assert word in page
    assert "/static/form-schema.js" in page and "/static/form-editor.js" in page


@pytest.mark.parametrize("path", ["/vendor/bpmn-modeler.js",
                                  "/vendor/dmn-js/dmn-modeler.production.min.js",
                                  "/vendor/dmn-js/assets/dmn-js-decision-table.css",
                                  "/static/moddle-spiffworkflow.json", "/static/editor.js"])
def test_editor_assets_are_served(client_for, path):
    response = client_for("process_owner").get(path)
    assert response.status_code == 200 and len(response.data) > 100
    response.close()


def test_vendor_files_outside_the_allow_list_are_not_served(client_for):
    client = client_for("process_owner")
    assert client.get("/vendor/dmn-js/dmn-modeler.development.js").status_code == 404
    assert client.get("/vendor/dmn-js/../package.json").status_code == 404


def test_moddle_descriptor_names_the_engine_namespace(client_for):
    response = client_for("process_owner").get("/static/moddle-spiffworkflow.json")
    descriptor = json.loads(response.data)
    response.close()
    assert descriptor["uri"] == "http://spiffworkflow.org/bpmn/schema/1.0/core"
    types = {t["name"]: t for t in descriptor["types"]}
    assert types["Properties"]["properties"][0] == {"name": "properties", "type": "Property",
                                                    "isMany": True}


def test_draft_is_saved_shown_and_discarded(client_for, env):
    client = client_for("process_owner")
    files = approval_files()
    files["approval.bpmn"] = files["approval.bpmn"].replace("Review request", "Draft name")
    assert client.post_json("/editor/approval/draft", {"files": files}).status_code == 200
    assert "Draft name" in client.get("/editor/approval").get_data(as_text=True)
    other = client_for("sm2")  # not an owner: no editor at all
    assert other.get("/editor/approval").status_code == 403
    assert versions(env) == 1
    assert client.post_json("/editor/approval/draft/discard").get_json() == {"discarded": True}
    assert "Draft name" not in client.get("/editor/approval").get_data(as_text=True)


@pytest.mark.parametrize("change,element_id,words", [
    (('name="dept_head"', 'name="janitor"'), "review", "janitor"),
    (("<bpmn:flowNodeRef>review</bpmn:flowNodeRef>", ""), "review", "not in a lane"),
    (('value="review_decision"', 'value="missing"'), "review", "missing"),
    # The client reads Chinese (no Accept-Language): the reasons are said in it.
    (('decision == "reject"', 'decision ==='), "decision_gateway", "条件"),
    (("net_value = amount - costs", "import os"), "compute", "脚本"),
    (("<bpmn:process ", "<bpmn:process <"), None, ""),
])
def test_validate_and_deploy_report_each_problem(client_for, env, change, element_id, words):
    client = client_for("process_owner")
    files = approval_files()
    files["approval.bpmn"] = files["approval.bpmn"].replace(*change, 1)
    problems = client.post_json("/editor/approval/validate", {"files": files}).get_json()[
        "problems"]
    assert problems
    if element_id:
        assert any(p["element_id"] == element_id and words in p["reason"] for p in problems), \
            problems
    response = client.post_json("/editor/approval/deploy", {"files": files},
                                headers={"Accept": "application/json"})
    assert response.status_code == 422 and response.get_json()["details"]
    assert versions(env) == 1


def test_valid_edit_validates_clean_and_deploys_with_a_diff(client_for, env):
    client = client_for("process_owner")
    files = approval_files()
    assert client.post_json("/editor/approval/validate", {"files": files}).get_json() == {
        "problems": []}
    same = client.post_json("/editor/approval/deploy", {"files": files})
    assert same.status_code == 201 and same.get_json()["diff"] is None
    client.post_json("/editor/approval/draft", {"files": files})
    files["approval.bpmn"] = files["approval.bpmn"].replace('value="P2D"', 'value="P3D"')
    response = client.post_json("/editor/approval/deploy", {"files": files})
    assert response.status_code == 201
    body = response.get_json()
    assert body["version"] == 2 and versions(env) == 2
    [changed] = body["diff"]["changed"]
    assert changed["element_id"] == "review" and "properties" in changed["changes"]
    with env.session() as s:
        assert s.scalar(select(func.count()).select_from(ProcessDraft)) == 0


def test_form_preview_renders_like_the_task_page(client_for):
    client = client_for("process_owner")
    schema = json.loads((DATA / "approval" / "forms" / "submit_request.json").read_text())
    response = client.post_json("/editor/preview", {"schema": schema})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'name="f.amount"' in html or "amount" in html
    assert "Costs (0 if none)" in html
    hostile = {"type": "object", "properties": {"x": {"type": "string",
                                                     "title": "<script>alert(1)</script>"}}}
    html = client.post_json("/editor/preview", {"schema": hostile}).get_data(as_text=True)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert client.post_json("/editor/preview", {"schema": [1]}).status_code == 422


def test_calls_need_the_csrf_header(client_for):
    client = client_for("process_owner")
    response = client.http.post("/editor/approval/validate", json={"files": approval_files()})
    assert response.status_code == 400


def bundle_of(page: str) -> dict:
    found = re.search(r'<script type="application/json" id="kf-bundle">(.*?)</script>', page,
                      re.S)
    assert found is not None
    return json.loads(found.group(1))


def test_the_editor_opens_the_current_version_or_the_one_asked_for(client_for, env):
    client = client_for("process_owner")
    files = approval_files()
    files["approval.bpmn"] = files["approval.bpmn"].replace('value="P2D"', 'value="P3D"')
    assert client.post_json("/editor/approval/deploy", {"files": files}).status_code == 201
    assert bundle_of(client.get("/editor/approval").get_data(as_text=True))["version"] == 2
    # v2 turned out broken: v1 is made current again, and the editor starts from it
    env.run(lambda s, kf, u: kf.make_current(s, "approval", 1, u("process_owner")))
    current = bundle_of(client.get("/editor/approval").get_data(as_text=True))
    assert current["version"] == 1 and 'value="P2D"' in current["files"]["approval.bpmn"]
    asked = bundle_of(client.get("/editor/approval?version=2").get_data(as_text=True))
    assert asked["version"] == 2 and 'value="P3D"' in asked["files"]["approval.bpmn"]
    assert client.get("/editor/approval?version=9").status_code == 404
    library = client.get("/library").get_data(as_text=True)
    assert "/editor/approval?version=1" in library and "/editor/approval?version=2" in library
