"""What changed between two versions of a process: elements by BPMN id, and files.

Each element and form carries its names (Chinese `name`, English first documentation line;
a form's `title` and `x-title-en`) so a summary can name them to its reader, not by id.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from SpiffWorkflow.bpmn.parser.util import BPMN_MODEL_NS

from engine.bpmn.safe_xml import UnsafeXml, parse_xml

from .compile import english_name

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
    name: str = ""
    name_en: str = ""


@dataclass
class VersionDiff:
    """Added, removed and changed elements and files between an old and a new version."""

    added: list[ElementChange] = field(default_factory=list)
    removed: list[ElementChange] = field(default_factory=list)
    changed: list[ElementChange] = field(default_factory=list)
    files_added: list[str] = field(default_factory=list)
    files_removed: list[str] = field(default_factory=list)
    files_changed: list[str] = field(default_factory=list)
    # Form files (`forms/x.json`) -> (title, English title), of the newer side where both.
    form_names: dict[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        """True when nothing differs."""
        return not (self.added or self.removed or self.changed or self.files_added
                    or self.files_removed or self.files_changed)

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form for the API and the editor."""
        def rows(items: list[ElementChange]) -> list[dict[str, Any]]:
            return [{"element_id": c.element_id, "kind": c.kind, "name": c.name,
                     "name_en": c.name_en,
                     "changes": {k: list(v) for k, v in c.changes.items()}} for c in items]
        return {"added": rows(self.added), "removed": rows(self.removed),
                "changed": rows(self.changed), "files_added": self.files_added,
                "files_removed": self.files_removed, "files_changed": self.files_changed,
                "form_names": {k: list(v) for k, v in self.form_names.items()}}


def diff_versions(old: Mapping[str, str], new: Mapping[str, str]) -> VersionDiff:
    """Compare two versions' files (name -> text); BPMN elements are matched by id."""
    result = VersionDiff(
        files_added=sorted(set(new) - set(old)),
        files_removed=sorted(set(old) - set(new)),
        files_changed=sorted(n for n in set(old) & set(new) if old[n] != new[n]),
        form_names={**_form_names(old), **_form_names(new)},
    )
    before, after = _elements(old), _elements(new)
    for element_id in sorted(set(after) - set(before)):
        result.added.append(_change(element_id, after[element_id]))
    for element_id in sorted(set(before) - set(after)):
        result.removed.append(_change(element_id, before[element_id]))
    for element_id in sorted(set(before) & set(after)):
        a, b = before[element_id], after[element_id]
        changes = {k: (a.get(k), b.get(k)) for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)}
        if changes:
            result.changed.append(_change(element_id, b, changes))
    return result


def _change(element_id: str, described: dict[str, Any],
            changes: dict[str, tuple[Any, Any]] | None = None) -> ElementChange:
    return ElementChange(element_id, described["kind"], changes or {}, described["name"],
                         described.get("name_en") or described["name"])


def _form_names(files: Mapping[str, str]) -> dict[str, tuple[str, str]]:
    """The title and English title of each form file that has one (unreadable ones skipped)."""
    names: dict[str, tuple[str, str]] = {}
    for name, text in files.items():
        if not (name.startswith("forms/") and name.endswith(".json")):
            continue
        try:
            schema = json.loads(text)
        except ValueError:
            continue
        title = schema.get("title") if isinstance(schema, dict) else None
        if isinstance(title, str) and title.strip():
            english = schema.get("x-title-en")
            names[name] = (title.strip(), english.strip() if isinstance(english, str)
                           and english.strip() else title.strip())
    return names


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
    english = english_name(node.findtext("bpmn:documentation", namespaces=NS))
    if english:
        described["name_en"] = english
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
