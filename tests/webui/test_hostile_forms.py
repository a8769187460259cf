"""Hostile forms through the deploy API: 422 with file and JSON pointer, nothing stored; and
deeply nested task data answers 422, never 500."""

from __future__ import annotations

import io
import json

import pytest
from webui_env import DATA


def _nested(depth: int) -> dict[str, object]:
    schema: dict[str, object] = {"type": "string"}
    for _ in range(depth):
        schema = {"type": "object", "properties": {"a": schema}}
    return schema


HOSTILE_FORMS = {
    "recursive_ref": ({"$defs": {"loop": {"$ref": "#/$defs/loop"}},
                       "properties": {"x": {"$ref": "#/$defs/loop"}}}, "#/$defs/loop/$ref"),
    "deep_schema": (_nested(450), "#/properties/a/properties/a"),
    "remote_ref": ({"properties": {"x": {"$ref": "http://127.0.0.1:9/x.json"}}},
                   "#/properties/x/$ref"),
    "backreference": ({"properties": {"x": {"type": "string", "pattern": r"(a)\1"}}},
                      "#/properties/x/pattern"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE_FORMS))
def test_hostile_form_is_refused_by_the_deploy_api(client_for, name):
    schema, where = HOSTILE_FORMS[name]
    folder = DATA / "plain_and_manual"
    files = [(io.BytesIO(p.read_bytes()), p.name) for p in folder.glob("*.bpmn")]
    files.append((io.BytesIO(json.dumps(schema).encode()), f"{name}.json"))
    owner = client_for("process_owner")
    response = owner.http.post("/api/deployments", data={"files": files},
                               content_type="multipart/form-data",
                               headers={"X-CSRF-Token": owner.csrf})
    assert response.status_code == 422, response.get_data(as_text=True)[:500]
    body = response.get_json()
    assert body["error"] == "invalid_bundle" and body["message"]
    problems = body["details"]
    assert any(p["file"] == f"forms/{name}.json" and p["element_id"].startswith(where)
               and p["reason"] for p in problems), problems
    listed = owner.get("/api/processes").get_json()["processes"]
    assert "plain_and_manual" not in {p["key"] for p in listed}  # nothing stored


def _deploy_folder(client, folder):
    paths = [*folder.glob("*.bpmn"), *(folder / "forms").glob("*.json")]
    files = [(io.BytesIO(p.read_bytes()), p.name) for p in paths]
    return client.http.post("/api/deployments", data={"files": files},
                            content_type="multipart/form-data",
                            headers={"X-CSRF-Token": client.csrf})


def test_deeply_nested_task_data_is_invalid_not_a_crash(client_for, env):
    assert _deploy_folder(client_for("process_owner"), DATA / "tree_form").status_code == 201
    instance_id = env.start(key="tree_form", by="clerk", customer=None)
    task_id = env.open_task(instance_id).id
    # An organisation chart 300 people deep: 600 levels of JSON, which the form's recursive
    # schema follows level by level. Built as text: the test client's encoder would recurse.
    person = '{"name": "n", "reports": [' * 300 + '{"name": "x"}' + "]}" * 300
    clerk = client_for("clerk")
    response = clerk.http.post(f"/api/tasks/{task_id}/complete",
                               data=f'{{"data": {{"chart": {person}}}}}',
                               content_type="application/json",
                               headers={"X-CSRF-Token": clerk.csrf})
    # The web edge refuses bodies nested over 64 levels before the form is even looked at
    # (webui/request_input.py); the engine's own refusal is tested in tests/engine.
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    assert "nested too deeply" in json.dumps(response.get_json()["details"])
    assert env.open_task(instance_id).id == task_id  # still open


def test_the_editor_validates_with_the_same_rules(client_for):
    files = {"approval.bpmn": (DATA / "approval" / "approval.bpmn").read_text()}
    for path in (DATA / "approval" / "forms").iterdir():
        files[f"forms/{path.name}"] = path.read_text()
    files["approval.bpmn"] = files["approval.bpmn"].replace('value="P1D"', 'value="P99999999D"', 1)
    files["forms/remote.json"] = json.dumps({"$ref": "http://127.0.0.1:9/x.json"})
    owner = client_for("process_owner")
    problems = owner.post_json("/editor/approval/validate", {"files": files}).get_json()[
        "problems"]
    found = {(p["file"], p["element_id"]) for p in problems}
    assert ("forms/remote.json", "#/$ref") in found, problems
    # Said in the reader's language (the client reads Chinese).
    assert any(p["element_id"] == "submit" and "10 年的上限" in p["reason"] for p in problems)
