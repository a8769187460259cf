"""The OpenAPI document is the API's contract: request bodies are checked against its schemas
(422 naming each field), its enumerations are the engine's constants, and the responses the
tests see are checked against it (api_contract.py, on every test app)."""

from __future__ import annotations

import json

import pytest
from api_contract import ContractBroken, check_response
from flask import Response
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012
from sqlalchemy import func, select
from test_api import Api

from engine.kpis import SCORECARD_GROUPINGS
from engine.models import InstanceStatus, ProcessInstance, TaskStatus
from engine.queries.inbox import INBOX_SCOPES
from engine.roles import LANE_ROLES
from webui.api import contract
from webui.api.openapi import document

JSON_BODIES = sorted((path, method) for path, item in document()["paths"].items()
                     for method, op in item.items()
                     if "application/json" in op.get("requestBody", {}).get("content", {}))
PYTHON_TYPES = {"object": dict, "array": list, "string": str, "integer": int, "number": int | float,
                "boolean": bool, "null": type(None)}
WRONG_TYPE = {"object": "text", "string": ["a", "list"], "integer": "7", "array": "text"}
# Bodies with required fields: a valid value of each, so that one wrong field is the only one.
VALID = {"/api/kpis/targets": {"month": "2026-03", "targets": []},
         "/api/instances/{id}/comments": {"text": "a comment"},
         "/api/me/chat-hook": {"kind": "wecom"}, "/api/roles/{role}/chat-hook": {"kind": "wecom"}}


def body_schema(path: str, method: str) -> dict:
    ref = document()["paths"][path][method]["requestBody"]["content"]["application/json"][
        "schema"]["$ref"]
    return document()["components"]["schemas"][ref.rsplit("/", 1)[1]]


@pytest.fixture
def url_of(env):
    """A URL of each operation that reaches the body check (a visible instance for the
    incident commands, which look the instance up first)."""
    instance_id = env.start()

    def _url(path: str) -> str:
        return path.replace("{key}", "webui_flow").replace("{id}", str(instance_id)).replace(
            "{role}", "dept_head")
    return _url


def instances(env) -> int:
    with env.session() as s:
        return s.scalar(select(func.count()).select_from(ProcessInstance))


def test_every_json_body_of_the_document_is_checked(app, env, url_of):
    assert JSON_BODIES == [("/api/instances/{id}/cancel", "post"),
                           ("/api/instances/{id}/comments", "post"),
                           ("/api/instances/{id}/owner", "post"),
                           ("/api/instances/{id}/retry", "post"),
                           ("/api/kpis/targets", "put"),
                           ("/api/me/chat-hook", "put"),
                           ("/api/processes/{key}/instances", "post"),
                           ("/api/roles/{role}/chat-hook", "put"),
                           ("/api/substitutes", "post"),
                           ("/api/tasks/{id}/assign", "post"),
                           ("/api/tasks/{id}/complete", "post")]
    admin, head = Api(app, env, "admin"), Api(app, env, "dept_head")  # heads set targets
    before = instances(env)
    for path, method in JSON_BODIES:
        client = head if "kpis" in path else admin
        response = client.send(method, url_of(path), [1, 2])
        assert response.status_code == 422, path
        assert response.get_json()["details"] == {"": "must be an object"}, path
        for name, field in body_schema(path, method)["properties"].items():
            kind = field["type"][0] if isinstance(field["type"], list) else field["type"]
            body = {**VALID.get(path, {}), name: WRONG_TYPE[kind]}  # only `name` is wrong
            wrong = client.send(method, url_of(path), body)
            assert wrong.status_code == 422, (path, name)
            body = wrong.get_json()
            assert body["error"] == "invalid_data" and set(body) == {"error", "message",
                                                                     "details"}
            assert list(body["details"]) == [name], (path, body)
            assert body["details"][name].startswith("must be "), body
    assert instances(env) == before


def test_422_names_every_field_with_its_problem(app, env):
    manager = Api(app, env, "senior_manager")
    response = manager.post("/api/processes/webui_flow/instances", {
        "data": "x", "business_key": "K" * 121, "customer_name": 5, "owner": None})
    assert response.status_code == 422
    assert response.get_json()["details"] == {
        "business_key": "at most 120 characters", "customer_name": "must be text or null",
        "data": "must be an object"}
    message = response.get_json()["message"]
    assert "business_key: at most 120 characters" in message and "K" * 20 not in message


def test_the_limits_of_the_document_are_the_limits_of_the_api(app, env, url_of):
    admin = Api(app, env, "admin")
    cancel = url_of("/api/instances/{id}/cancel")
    limit = body_schema("/api/instances/{id}/cancel", "post")["properties"]["reason"][
        "maxLength"]
    assert admin.post(cancel, {"reason": "x" * (limit + 1)}).get_json()["details"] == {
        "reason": f"at most {limit} characters"}
    retry = url_of("/api/instances/{id}/retry")
    for version, words in ((0, "at least 1"), (10**8, "at most 99999999"),
                           (True, "must be a whole number or null")):
        assert admin.post(retry, {"version": version}).get_json()["details"] == {
            "version": words}
    assert admin.post(cancel, {"reason": "x" * limit}).status_code == 200


def test_fields_the_document_does_not_name_are_still_ignored(app, env):
    started = Api(app, env, "senior_manager").post("/api/processes/webui_flow/instances",
                                                   {"data": {}, "comment": "not a field"})
    assert started.status_code == 201


def test_the_documents_enumerations_are_the_engines_constants():
    schemas = document()["components"]["schemas"]
    task, instance = schemas["Task"]["properties"], schemas["Instance"]["properties"]
    assert task["state"]["enum"] == list(TaskStatus)
    assert task["role"]["enum"] == list(LANE_ROLES)
    assert schemas["Process"]["properties"]["lanes"]["items"]["enum"] == list(LANE_ROLES)
    assert instance["status"]["enum"] == list(InstanceStatus)
    assert schemas["Kpis"]["properties"]["by"]["enum"] == list(SCORECARD_GROUPINGS)
    parameters = {p["name"]: p for p in document()["paths"]["/api/tasks"]["get"]["parameters"]}
    assert parameters["scope"]["schema"]["enum"] == list(INBOX_SCOPES)


def _json_response(body: object, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


def test_a_response_that_breaks_the_document_fails_the_test():
    with pytest.raises(ContractBroken, match="undocumented"):
        check_response("/api/tasks", "GET", _json_response({"tasks": [], "next": None,
                                                            "undocumented": 1}))
    with pytest.raises(ContractBroken, match="status not in the document"):
        check_response("/api/tasks", "GET", _json_response({"tasks": []}, 409))
    with pytest.raises(ContractBroken, match="'error' is a required property"):
        check_response("/api/tasks", "GET", _json_response({"message": "m", "details": None},
                                                           422))
    check_response("/api/tasks", "GET", _json_response({"tasks": [], "next": None}))


@pytest.mark.parametrize(("path", "method"), JSON_BODIES)
def test_a_body_is_checked_with_references_resolved_once_as_with_them(path, method):
    # The validators are built on the schema with its references replaced by their targets;
    # they find exactly what the schema with its references finds.
    where = ("paths", path, method, "requestBody", "content", "application/json", "schema")
    built = contract.schema_validator(*where)
    pointer = "/".join(p.replace("~", "~0").replace("/", "~1") for p in where)
    referring = Draft202012Validator({"$ref": f"{contract.DOCUMENT_URI}#/{pointer}"},
                                     registry=contract._registry())
    assert "$ref" not in json.dumps(built.schema)
    schema = body_schema(path, method)
    bodies = [{}, [], "text", {"unknown": 1}, VALID.get(path, {})]
    for name, field in schema.get("properties", {}).items():
        kind = field.get("type")
        kinds = kind if isinstance(kind, list) else [kind]
        for wrong in ({}, [1], "x" * 5000, 10**12, -1, True, None):
            if not any(k is not None and isinstance(wrong, PYTHON_TYPES.get(k, ()))
                       for k in kinds):
                bodies.append({**VALID.get(path, {}), name: wrong})
    for body in bodies:
        assert contract.violations(built, body) == contract.violations(referring, body), body


def test_a_recursive_schema_keeps_its_references():
    document = {"components": {"schemas": {
        "Node": {"type": "object", "properties": {"children": {
            "type": "array", "items": {"$ref": "#/components/schemas/Node"}}}},
        "Pair": {"type": "object", "properties": {
            "left": {"$ref": "#/components/schemas/Leaf"},
            "right": {"$ref": "#/components/schemas/Leaf", "maxLength": 3}}},
        "Leaf": {"type": "string"}}}}
    resolver = Registry().with_resource(
        "urn:test", DRAFT202012.create_resource(document)).resolver("urn:test")
    node = {"$ref": "urn:test#/components/schemas/Node"}
    assert contract._inline(node, resolver, ()) is None
    pair = contract._inline({"$ref": "urn:test#/components/schemas/Pair"}, resolver, ())
    assert pair["properties"] == {"left": {"type": "string"},
                                  "right": {"allOf": [{"type": "string"}, {"maxLength": 3}]}}
