"""What changed between two versions of a process: elements by BPMN id, and files."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from SpiffWorkflow.bpmn.parser.util import BPMN_MODEL_NS

from engine.bpmn.safe_xml import UnsafeXml, parse_xml

SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
NS = {"bpmn": BPMN_MODEL_NS, "spiffworkflow": SPIFF_NS}
# Containers and bookkeeping that are not elements a process owner edits one by one.
SKIPPED = {"process", "laneSet", "extensionElements", "properties", "property", "incoming",
           "outgoing", "flowNodeRef", "documentation", "script", "conditionExpression",
           "timeDuration", "timeDate", "timeCycle"}


@dataclass(frozen=True)
class ElementChange:
    """One element that differs: its id, kind and the attributes that changed (old, new)."""

    element_id: str
    kind: str
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)


@dataclass
class VersionDiff:
    """Added, removed and changed elements and files between an old and a new version."""

    added: list[ElementChange] = field(default_factory=list)
    removed: list[ElementChange] = field(default_factory=list)
    changed: list[ElementChange] = field(default_factory=list)
    files_added: list[str] = field(default_factory=list)
    files_removed: list[str] = field(default_factory=list)
    files_changed: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """True when nothing differs."""
        return not (self.added or self.removed or self.changed or self.files_added
                    or self.files_removed or self.files_changed)

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form for the API and the editor."""
        def rows(items: list[ElementChange]) -> list[dict[str, Any]]:
            return [{"element_id": c.element_id, "kind": c.kind,
                     "changes": {k: list(v) for k, v in c.changes.items()}} for c in items]
        return {"added": rows(self.added), "removed": rows(self.removed),
                "changed": rows(self.changed), "files_added": self.files_added,
                "files_removed": self.files_removed, "files_changed": self.files_changed}


def diff_versions(old: Mapping[str, str], new: Mapping[str, str]) -> VersionDiff:
    """Compare two versions' files (name -> text); BPMN elements are matched by id."""
    result = VersionDiff(
        files_added=sorted(set(new) - set(old)),
        files_removed=sorted(set(old) - set(new)),
        files_changed=sorted(n for n in set(old) & set(new) if old[n] != new[n]),
    )
    before, after = _elements(old), _elements(new)
    for element_id in sorted(set(after) - set(before)):
        result.added.append(ElementChange(element_id, after[element_id]["kind"]))
    for element_id in sorted(set(before) - set(after)):
        result.removed.append(ElementChange(element_id, before[element_id]["kind"]))
    for element_id in sorted(set(before) & set(after)):
        a, b = before[element_id], after[element_id]
        changes = {k: (a.get(k), b.get(k)) for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)}
        if changes:
            result.changed.append(ElementChange(element_id, b["kind"], changes))
    return result


def _elements(files: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    """Every identified element of every BPMN file, described by what an owner can edit."""
    found: dict[str, dict[str, Any]] = {}
    for name in sorted(n for n in files if n.endswith(".bpmn")):
        try:
            root = parse_xml(files[name].encode("utf-8"), name)
        except UnsafeXml:
            continue  # deployed versions were parsed before; a bad draft simply shows no elements
        lanes = {ref.text.strip(): lane.get("name") or lane.get("id")
                 for lane in root.iterfind(".//bpmn:lane", NS)
                 for ref in lane.iterfind("bpmn:flowNodeRef", NS) if ref.text}
        for process in root.iterfind("bpmn:process", NS):
            for node in _described(process):
                found[node.get("id")] = _describe(node, lanes)
    return found


def _described(process: Any) -> Iterator[Any]:
    for node in process.iter():
        if not isinstance(node.tag, str) or not node.tag.startswith(f"{{{BPMN_MODEL_NS}}}"):
            continue
        if node.get("id") and node.tag.split("}")[1] not in SKIPPED:
            yield node


def _describe(node: Any, lanes: dict[str, str]) -> dict[str, Any]:
    kind = node.tag.split("}")[1]
    props = {p.get("name"): p.get("value")
             for p in node.iterfind("bpmn:extensionElements/spiffworkflow:properties/"
                                    "spiffworkflow:property", NS)}
    described: dict[str, Any] = {"kind": kind, "name": node.get("name") or ""}
    if kind != "lane" and kind != "sequenceFlow":
        described["lane"] = lanes.get(node.get("id"))
    if props:
        described["properties"] = props
    for label, path in (("script", "bpmn:script"), ("condition", "bpmn:conditionExpression"),
                        ("timer", "bpmn:timerEventDefinition/*")):
        text = node.findtext(path, namespaces=NS)
        if text and text.strip():
            described[label] = text.strip()
    if kind == "sequenceFlow":
        described["from"], described["to"] = node.get("sourceRef"), node.get("targetRef")
    return described
