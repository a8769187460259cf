"""Hostile forms: remote references, catastrophic patterns, endless and deep schemas are
refused at deploy with their JSON pointer, and never hurt the validator at run time."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from referencing.exceptions import Unresolvable
from sqlalchemy import func, select

from engine import forms
from engine.deployment import Bundle
from engine.errors import DeploymentInvalid, InvalidData
from engine.form_validator import FormValidator, compile_pattern, make_validator
from engine.models import HumanTask, ProcessDefinition

DATA = Path(__file__).parents[1] / "data"
HOSTILE = "^(a+)+$"  # Python's re needs ~2^40 steps for 40 a's and a '!'


@pytest.fixture
def listener() -> Iterator[tuple[str, list[str]]]:
    """A real HTTP server on a free local port that records every request it gets."""
    hits: list[str] = []

    class Recorder(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            hits.append(self.path)
            body = json.dumps({"type": "string"}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


def _bundle_with_forms(extra_forms: dict[str, object]) -> Bundle:
    """The approval bundle plus the given forms (not used by any task: still checked)."""
    folder = DATA / "approval"
    items = [(p.name, p.read_bytes()) for p in folder.glob("*.bpmn")]
    items += [(f"forms/{p.name}", p.read_bytes()) for p in (folder / "forms").glob("*.json")]
    items += [(f"forms/{name}.json", json.dumps(schema).encode())
              for name, schema in extra_forms.items()]
    return Bundle.from_items(items)


def _refusals(session, kf, extra_forms: dict[str, object]) -> set[tuple[str | None, str | None]]:
    with pytest.raises(DeploymentInvalid) as caught:
        kf.deploy(session, _bundle_with_forms(extra_forms))
    assert session.scalar(select(func.count()).select_from(ProcessDefinition)) == 0
    return {(p.file, p.element_id) for p in caught.value.problems}


def test_remote_references_are_refused_at_deploy_and_never_fetched(session, kf, listener):
    url, hits = listener
    found = _refusals(session, kf, {
        "remote_ref": {"type": "object", "properties": {"x": {"$ref": f"{url}/x.json"}}},
        "remote_base": {"$id": f"{url}/base/", "properties": {"y": {"$ref": "y.json"}}},
        "remote_dialect": {"$schema": f"{url}/meta", "type": "object"},
        "remote_dynamic": {"$defs": {"d": {"$dynamicRef": f"{url}/d#meta"}}},
        "remote_recursive": {"$recursiveRef": f"{url}/r"},
        "hidden_ref": {"$ref": "#/x-hidden", "x-hidden": {"$ref": f"{url}/hidden.json"}},
    })
    assert found == {
        ("forms/remote_ref.json", "#/properties/x/$ref"),
        ("forms/remote_base.json", "#/$id"),
        ("forms/remote_base.json", "#/properties/y/$ref"),
        ("forms/remote_dialect.json", "#/$schema"),
        ("forms/remote_dynamic.json", "#/$defs/d/$dynamicRef"),
        ("forms/remote_recursive.json", "#/$recursiveRef"),
        ("forms/hidden_ref.json", "#/x-hidden/$ref"),
    }
    assert hits == []


def test_the_validator_itself_never_fetches(listener):
    url, hits = listener
    schema = {"type": "object", "properties": {"x": {"$ref": f"{url}/x.json"}}}
    with pytest.raises(InvalidData):  # a form deployed before the rule: refused, not fetched
        forms.validate_submission(schema, {"x": "y"})
    with pytest.raises(Unresolvable):  # the registry refuses: nothing is fetched
        list(make_validator(schema, forms.FORMATS).iter_errors({"x": "y"}))
    assert hits == []


def test_patterns_are_evaluated_by_re2():
    assert type(compile_pattern(HOSTILE)).__module__.startswith("re2")
    assert FormValidator.VALIDATORS["pattern"].__module__ == "engine.form_validator"
    # A backreference is something RE2 cannot evaluate (Python's re would match "aa").
    with pytest.raises(InvalidData):
        forms.validate_submission({"properties": {"c": {"pattern": r"(a)\1"}}}, {"c": "aa"})


def test_catastrophic_pattern_gives_the_right_answer():
    # First make sure Python's re is not what runs: it would take hours on the input below.
    with pytest.raises(InvalidData):
        forms.validate_submission({"properties": {"c": {"pattern": r"(a)\1"}}}, {"c": "aa"})
    schema = {"type": "object", "properties": {"code": {"type": "string", "pattern": HOSTILE}},
              "patternProperties": {HOSTILE: {"type": "integer"}},
              "additionalProperties": False}
    assert forms.validate_submission(schema, {"code": "a" * 40}) == {"code": "a" * 40}
    with pytest.raises(InvalidData) as caught:
        forms.validate_submission(schema, {"code": "a" * 40 + "!"})
    assert set(caught.value.details) == {"code"}
    # A field name is matched by patternProperties (and so not "additional") the same way.
    assert forms.validate_submission(schema, {"a" * 40: 1}) == {"a" * 40: 1}
    with pytest.raises(InvalidData) as caught:
        forms.validate_submission(schema, {"a" * 40 + "!": 1})
    assert "additional" in json.dumps(caught.value.details)


def test_patterns_re2_cannot_compile_are_refused_at_deploy(session, kf):
    found = _refusals(session, kf, {
        "backreference": {"properties": {"code": {"type": "string", "pattern": r"(a)\1"}}},
        "lookahead": {"patternProperties": {"(?=x)": {"type": "string"}}},
        "mixed": {"patternProperties": {"^x": {}}, "unevaluatedProperties": False},
    })
    assert found == {
        ("forms/backreference.json", "#/properties/code/pattern"),
        ("forms/lookahead.json", "#/patternProperties/(?=x)"),
        ("forms/mixed.json", "#"),
    }


def _nested(depth: int) -> dict[str, object]:
    schema: dict[str, object] = {"type": "string"}
    for _ in range(depth):
        schema = {"type": "object", "properties": {"a": schema}}
    return schema


def test_endless_and_deep_schemas_are_refused_at_deploy(session, kf):
    found = _refusals(session, kf, {
        "self_ref": {"$ref": "#"},
        "loop": {"$defs": {"loop": {"$ref": "#/$defs/loop"}},
                 "properties": {"x": {"$ref": "#/$defs/loop"}}},
        "ping_pong": {"$defs": {"a": {"allOf": [{"$ref": "#/$defs/b"}]},
                                "b": {"anyOf": [{"$ref": "#/$defs/a"}]}}},
        "dangling": {"properties": {"x": {"$ref": "#/$defs/nothing"}}},
        "deep": _nested(450),  # 900 levels of objects
    })
    files = {file for file, _ in found}
    assert files == {f"forms/{n}.json" for n in ("self_ref", "loop", "ping_pong", "dangling",
                                                 "deep")}
    assert ("forms/self_ref.json", "#/$ref") in found
    assert ("forms/loop.json", "#/$defs/loop/$ref") in found
    assert ("forms/dangling.json", "#/properties/x/$ref") in found


def test_a_recursive_tree_form_is_fine(session, kf):
    tree = {"type": "object", "properties": {
        "name": {"type": "string"},
        "children": {"type": "array", "items": {"$ref": "#"}}}}
    kf.deploy(session, _bundle_with_forms({"tree": tree}))
    leaf: dict[str, object] = {"name": "leaf"}
    for _ in range(5):
        leaf = {"name": "node", "children": [leaf]}
    assert forms.validate_submission(tree, leaf) is leaf


def test_deeply_nested_data_is_refused_not_a_crash():
    deep: object = "x"
    for _ in range(900):
        deep = {"a": deep}
    flat = {"type": "object", "properties": {"title": {"type": "string"}}}
    with pytest.raises(InvalidData):
        forms.validate_submission(flat, {"title": deep})
    tree = {"type": "object", "properties": {"a": {"$ref": "#"}}}
    with pytest.raises(InvalidData) as caught:
        forms.validate_submission(tree, deep)  # type: ignore[arg-type]
    assert "nested too deeply" in json.dumps(caught.value.details)


def test_deeply_nested_task_data_is_refused_not_a_crash(session, kf, users, deploy):
    deploy("tree_form")  # a recursive form (an organisation chart) is fine to deploy
    instance = kf.start_instance(session, "tree_form", users["clerk"])
    session.commit()
    task = session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id)).one()
    person: dict[str, object] = {"name": "x"}
    for _ in range(300):  # 600 levels of JSON, followed level by level by the schema
        person = {"name": "n", "reports": [person]}
    with pytest.raises(InvalidData) as caught:
        kf.complete_task(session, task.id, users["clerk"], {"chart": person})
    session.rollback()
    assert "nested too deeply" in json.dumps(caught.value.details)
    session.refresh(task)
    assert task.is_open
    kf.complete_task(session, task.id, users["clerk"],
                     {"chart": {"name": "CEO", "reports": [{"name": "CFO"}]}})
    session.commit()
    session.refresh(instance)
    assert instance.status == "completed"
