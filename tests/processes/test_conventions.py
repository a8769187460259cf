"""The bundle keeps keyflow's conventions: bilingual names, due times, lanes, DI, forms."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from engine.deployment import Bundle, compile_bundle
from engine.roles import LANE_ROLES

PROCESSES = Path(__file__).parents[2] / "processes"
BPMN_FILES = sorted(PROCESSES.glob("*.bpmn"))
NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
      "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
      "dc": "http://www.omg.org/spec/DD/20100524/DC",
      "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core"}
CJK = re.compile(r"[\u4e00-\u9fff]")
FLOW_NODES = ("startEvent", "endEvent", "userTask", "serviceTask", "scriptTask",
              "businessRuleTask", "exclusiveGateway", "inclusiveGateway", "parallelGateway",
              "intermediateCatchEvent", "boundaryEvent")


def tree(path: Path) -> Any:
    return etree.parse(str(path))


def flow_nodes(doc: Any) -> list[Any]:
    return [n for tag in FLOW_NODES for n in doc.iterfind(f".//bpmn:{tag}", NS)]


def bounds(doc: Any) -> dict[str, tuple[float, float, float, float]]:
    found = {}
    for shape in doc.iterfind(".//bpmndi:BPMNShape", NS):
        b = shape.find("dc:Bounds", NS)
        found[shape.get("bpmnElement")] = tuple(float(b.get(k)) for k in ("x", "y", "width",
                                                                          "height"))
    return found


def test_the_bundle_deploys_the_three_processes():
    compiled, problems = compile_bundle(Bundle.from_folder(PROCESSES))
    assert problems == []
    assert sorted(compiled) == ["customer_reception", "key_account_development",
                                "key_account_visit"]
    names = {key: (c.name, c.name_en) for key, c in compiled.items()}
    assert names["key_account_development"] == ("大客户开发", "Key account development")
    for process in compiled.values():
        for info in process.user_tasks.values():
            assert CJK.search(info.name) and not CJK.search(info.name_en), info
            assert info.due_in is not None and info.form_key, info  # every task has both
            assert info.role in LANE_ROLES


@pytest.mark.parametrize("path", BPMN_FILES, ids=lambda p: p.stem)
def test_every_element_is_named_in_chinese_with_an_english_first_line(path):
    doc = tree(path)
    for node in [*flow_nodes(doc), *doc.iterfind(".//bpmn:process", NS)]:
        assert CJK.search(node.get("name", "")), node.get("id")
        documentation = node.findtext("bpmn:documentation", namespaces=NS) or ""
        first = documentation.strip().splitlines()[0] if documentation.strip() else ""
        assert first and not CJK.search(first), node.get("id")
    for lane in doc.iterfind(".//bpmn:lane", NS):
        assert lane.get("name") in LANE_ROLES


@pytest.mark.parametrize("path", BPMN_FILES, ids=lambda p: p.stem)
def test_every_element_has_di_inside_its_lane_without_overlaps(path):
    doc = tree(path)
    shapes = bounds(doc)
    edges = {e.get("bpmnElement") for e in doc.iterfind(".//bpmndi:BPMNEdge", NS)}
    flows = {f.get("id") for f in doc.iterfind(".//bpmn:sequenceFlow", NS)}
    assert flows == edges
    nodes = {n.get("id"): n for n in flow_nodes(doc)}
    assert set(nodes) <= set(shapes)
    for lane in doc.iterfind(".//bpmn:lane", NS):
        lx, ly, lw, lh = shapes[lane.get("id")]
        for ref in lane.iterfind("bpmn:flowNodeRef", NS):
            x, y, w, h = shapes[ref.text]
            if nodes[ref.text].tag.endswith("boundaryEvent"):
                continue  # sits on its task's border
            assert lx <= x and x + w <= lx + lw and ly <= y and y + h <= ly + lh, ref.text
    boxes = [(i, shapes[i]) for i, n in nodes.items() if not n.tag.endswith("boundaryEvent")]
    for k, (a, (ax, ay, aw, ah)) in enumerate(boxes):
        for b, (bx, by, bw, bh) in boxes[k + 1:]:
            assert not (ax < bx + bw and bx < ax + aw and ay < by + bh and by < ay + ah), (a, b)


def test_every_form_is_used_and_every_used_form_exists():
    used = set()
    for path in BPMN_FILES:
        used |= {p.get("value") for p in tree(path).iterfind(
            ".//spiffworkflow:property[@name='formKey']", NS)}
    files = {p.stem for p in (PROCESSES / "forms").glob("*.json")}
    assert used == files


def _check_property(name: str, prop: dict[str, Any]) -> None:
    assert CJK.search(prop.get("title", "")), name
    english = prop.get("x-title-en", "")
    assert english and not CJK.search(english.replace("方", "")), name  # 方 is the unit
    if "description" in prop:
        assert prop.get("x-description-en"), name
    if "enum" in prop and prop.get("type") == "string":
        assert all(re.fullmatch(r"[a-z0-9_]+", code) for code in prop["enum"]), name
    if "enum" in prop:
        assert len(prop["x-enum-titles"]) == len(prop["x-enum-titles-en"]) == len(prop["enum"])
    if prop.get("type") in ("number", "integer"):
        assert "minimum" in prop, name
    if name.endswith("_date") or name.endswith("birthday"):
        assert prop.get("format") == "date", name
    if prop.get("type") == "array":
        item = prop["items"]
        if item.get("type") == "object":
            for child, sub in item["properties"].items():
                _check_property(f"{name}.{child}", sub)
        elif "enum" in item:
            assert len(item["x-enum-titles"]) == len(item["x-enum-titles-en"]) == len(
                item["enum"])


@pytest.mark.parametrize("path", sorted((PROCESSES / "forms").glob("*.json")),
                         ids=lambda p: p.stem)
def test_forms_follow_the_bilingual_convention(path):
    schema = json.loads(path.read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert CJK.search(schema["title"]) and schema["x-title-en"]
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) <= set(schema["properties"])
    for name, prop in schema["properties"].items():
        _check_property(name, prop)
