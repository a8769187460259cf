"""The files of a new process, or of a copy of a deployed one, for a process owner's draft.

A new process is a pool with one lane per chosen role (lanes are roles, README "Writing
processes"), a start and an end event joined by a flow, and its names in both languages
(Chinese as the process name, English as the first line of its documentation). A copy takes
a version's files and gives its process a new key and names. Neither is deployed: both
become the owner's draft, edited and deployed like any other.
"""

from __future__ import annotations

import re
from xml.sax.saxutils import escape, quoteattr

from lxml import etree
from SpiffWorkflow.bpmn.parser.util import BPMN_MODEL_NS

from engine.bpmn.safe_xml import parse_xml
from engine.errors import InvalidData
from engine.i18n import N_
from engine.roles import LANE_ROLES

KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,59}$")
NAME_LIMIT = 200  # as the messages say
LANE_HEIGHT = 150
POOL_X, POOL_Y, POOL_WIDTH = 160, 80, 900
NAMESPACES = " ".join([
    f'xmlns:bpmn="{BPMN_MODEL_NS}"',
    'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"',
    'xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"',
    'xmlns:di="http://www.omg.org/spec/DD/20100524/DI"',
    'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"'])


def _shape(element: str, x: int, y: int, width: int, height: int, *, pool: bool = False
           ) -> str:
    horizontal = ' isHorizontal="true"' if pool else ""
    return (f'<bpmndi:BPMNShape id="{element}_di" bpmnElement="{element}"{horizontal}>'
            f'<dc:Bounds x="{x}" y="{y}" width="{width}" height="{height}"/></bpmndi:BPMNShape>')


def check_new_key(key: str, taken: set[str], name: str, name_en: str) -> None:
    """InvalidData (with the field) unless `key` is a fresh identifier and names are given."""
    details: dict[str, str] = {}
    if not KEY_PATTERN.match(key):
        details["key"] = N_("2 to 60 lower-case letters, digits or _, starting with a letter "
                            "(e.g. key_account_visit)")
    elif key in taken:
        details["key"] = N_("a process with this key exists; choose another")
    for field, value in (("name", name), ("name_en", name_en)):
        if not value.strip() or len(value) > NAME_LIMIT:
            details[field] = N_("required, at most 200 characters")
    if details:
        raise InvalidData("the new process cannot be created as asked", details)


def new_process_files(key: str, name: str, name_en: str, roles: list[str]) -> dict[str, str]:
    """A diagram with a lane per role in `roles` (in keyflow's order), a start and an end."""
    chosen = [r for r in LANE_ROLES if r in set(roles)]
    unknown = sorted(set(roles) - set(LANE_ROLES))
    if not chosen or unknown:
        raise InvalidData("choose the roles of the lanes",
                          {"roles": N_("choose one or more roles for the lanes")})
    height = LANE_HEIGHT * len(chosen)
    lanes = []
    shapes = [_shape(f"{key}_participant", POOL_X, POOL_Y, POOL_WIDTH, height, pool=True)]
    for i, role in enumerate(chosen):
        refs = "".join(f"<bpmn:flowNodeRef>{ref}</bpmn:flowNodeRef>"
                       for ref in (("start", "end") if i == 0 else ()))
        lanes.append(f'<bpmn:lane id="lane_{role}" name="{role}">{refs}</bpmn:lane>')
        shapes.append(_shape(f"lane_{role}", POOL_X + 30, POOL_Y + i * LANE_HEIGHT,
                             POOL_WIDTH - 30, LANE_HEIGHT, pool=True))
    mid = POOL_Y + LANE_HEIGHT // 2
    start_x, end_x = POOL_X + 70, POOL_X + POOL_WIDTH - 100
    shapes += [_shape("start", start_x, mid - 18, 36, 36), _shape("end", end_x, mid - 18, 36, 36),
               f'<bpmndi:BPMNEdge id="flow_start_end_di" bpmnElement="flow_start_end">'
               f'<di:waypoint x="{start_x + 36}" y="{mid}"/><di:waypoint x="{end_x}" y="{mid}"/>'
               f"</bpmndi:BPMNEdge>"]
    named = quoteattr(name)
    bpmn = "\n".join([
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<bpmn:definitions {NAMESPACES} id="{key}_definitions" '
        'targetNamespace="http://keyflow.local/bpmn" exporter="keyflow" exporterVersion="0.1">',
        f'<bpmn:collaboration id="{key}_collaboration"><bpmn:participant '
        f'id="{key}_participant" name={named} processRef="{key}"/></bpmn:collaboration>',
        f'<bpmn:process id="{key}" name={named} isExecutable="true">',
        f"<bpmn:documentation>{escape(name_en)}</bpmn:documentation>",
        f'<bpmn:laneSet id="{key}_lanes">{"".join(lanes)}</bpmn:laneSet>',
        '<bpmn:startEvent id="start"><bpmn:outgoing>flow_start_end</bpmn:outgoing>'
        "</bpmn:startEvent>",
        '<bpmn:endEvent id="end"><bpmn:incoming>flow_start_end</bpmn:incoming></bpmn:endEvent>',
        '<bpmn:sequenceFlow id="flow_start_end" sourceRef="start" targetRef="end"/>',
        "</bpmn:process>",
        f'<bpmndi:BPMNDiagram id="{key}_diagram"><bpmndi:BPMNPlane id="{key}_plane" '
        f'bpmnElement="{key}_collaboration">',
        *shapes,
        "</bpmndi:BPMNPlane></bpmndi:BPMNDiagram>",
        "</bpmn:definitions>", ""])
    return {f"{key}.bpmn": bpmn}


def duplicate_files(files: dict[str, str], old_key: str, key: str, name: str, name_en: str
                    ) -> dict[str, str]:
    """A version's files with process `old_key` renamed to `key` (names in both languages);
    its forms and decision tables are copied as they are."""
    copied: dict[str, str] = {}
    ns = {"bpmn": BPMN_MODEL_NS}
    for file_name, text in files.items():
        if not file_name.endswith(".bpmn"):
            copied[file_name] = text
            continue
        root = parse_xml(text.encode("utf-8"), file_name)
        found = root.xpath("./bpmn:process[@id=$key]", namespaces=ns, key=old_key)
        if not found:
            copied[file_name] = text
            continue
        process = found[0]
        process.set("id", key)
        process.set("name", name)
        docs = process.xpath("./bpmn:documentation", namespaces=ns)
        doc = docs[0] if docs else etree.Element(f"{{{BPMN_MODEL_NS}}}documentation")
        if not docs:
            process.insert(0, doc)
        rest = (doc.text or "").strip().splitlines()[1:]
        doc.text = "\n".join([name_en, *rest])
        for participant in root.xpath(".//bpmn:participant[@processRef=$key]", namespaces=ns,
                                      key=old_key):
            participant.set("processRef", key)
            participant.set("name", name)
        out = etree.tostring(root, xml_declaration=True, encoding="UTF-8").decode("utf-8")
        copied[f"{key}.bpmn" if file_name == f"{old_key}.bpmn" else file_name] = out
    return copied
