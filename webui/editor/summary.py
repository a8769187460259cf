"""The deploy summary in the reader's language: elements and forms by their names, what
changed in words (issue 14, item 5). The engine's VersionDiff stays the data; this is words."""

from __future__ import annotations

from typing import Any

from engine.deployment import VersionDiff

from ..i18n import N_, _, pgettext, pick

# BPMN element kinds a process owner draws; anything else is shown as its tag.
KINDS = {
    "userTask": N_("user task"), "manualTask": N_("manual task"),
    "scriptTask": N_("script task"), "serviceTask": N_("service task"),
    "businessRuleTask": N_("business rule task"), "task": N_("task"),
    "sendTask": N_("send task"), "receiveTask": N_("receive task"),
    "callActivity": N_("call activity"), "subProcess": N_("subprocess"),
    "startEvent": N_("start event"), "endEvent": N_("end event"),
    "intermediateCatchEvent": N_("waiting event"), "intermediateThrowEvent": N_("event"),
    "boundaryEvent": N_("boundary event"), "exclusiveGateway": N_("exclusive gateway"),
    "parallelGateway": N_("parallel gateway"), "inclusiveGateway": N_("inclusive gateway"),
    "eventBasedGateway": N_("event-based gateway"), "sequenceFlow": N_("sequence flow"),
    "lane": N_("lane"), "dataObject": N_("data object"),
}
# What VersionDiff compares of an element (engine/deployment/diff.py `_describe`).
ASPECTS = {
    "name": N_("name"), "name_en": N_("English name"), "lane": N_("lane"),
    "properties": N_("properties"), "script": N_("script"), "condition": N_("condition"),
    "timer": N_("timer"), "from": N_("source"), "to": N_("target"),
}
WHAT = {"added": N_("added"), "removed": N_("removed"), "changed": N_("changed")}


def _label(table: dict[str, str], code: str) -> str:
    return _(table[code]) if code in table else code


def deploy_summary(diff: VersionDiff) -> dict[str, Any]:
    """The diff as rows a person reads: {"elements": [...], "forms": [...]}, each row with
    `what` (added/removed/changed), `id`, `label` (the name, or the id when it has none) and
    `text`, the whole line in words ("changed: 审核 (user task) — properties")."""
    elements = []
    for what, items in (("added", diff.added), ("removed", diff.removed),
                        ("changed", diff.changed)):
        for change in items:
            label = pick(change.name, change.name_en) or change.element_id
            kind = _label(KINDS, change.kind)
            aspects = pgettext("list", ", ").join(_label(ASPECTS, k) for k in change.changes)
            text = (_("{what}: {name} ({kind}) — {aspects}", what=_(WHAT[what]), name=label,
                      kind=kind, aspects=aspects) if aspects else
                    _("{what}: {name} ({kind})", what=_(WHAT[what]), name=label, kind=kind))
            elements.append({"what": what, "id": change.element_id, "label": label,
                             "text": text})
    forms = []
    for what, names in (("added", diff.files_added), ("removed", diff.files_removed),
                        ("changed", diff.files_changed)):
        for file in names:
            if not file.startswith("forms/"):
                continue
            zh, en = diff.form_names.get(file, ("", ""))
            label = pick(zh, en) or file
            forms.append({"what": what, "id": file, "label": label,
                          "text": _("{what}: form {name}", what=_(WHAT[what]), name=label)})
    return {"elements": elements, "forms": forms}
