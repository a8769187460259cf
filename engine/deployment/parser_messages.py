"""SpiffWorkflow's parser messages, said as keyflow says things: which element (id and
name), what is wrong, what to do instead, in the reader's language (Problem.said).

Diagrams come from other modellers (Camunda Modeler, Signavio, Bizagi…) and hit parser
refusals written for programmers ("Multiple outgoing flows are not supported for tasks of
type.", "No DMN Diagram available with id \"None\"", reprs like `<Element … at 0x7f…>`).
Each known message has an explanation here; anything else is passed on with lxml's reprs
and XML namespaces shortened, prefixed by the element it concerns.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from SpiffWorkflow.bpmn.parser.util import BPMN_MODEL_NS
from SpiffWorkflow.exceptions import SpiffWorkflowException

from engine.errors import Problem
from engine.i18n import N_
from engine.services import SERVICES

_ELEMENT_REPR = re.compile(r"<Element \{[^}]*\}(\w+) at 0x[0-9a-fA-F]+>")
_ANY_REPR = re.compile(r"<Element [^>]* at 0x[0-9a-fA-F]+>")
_NAMESPACE = re.compile(r"\{" + re.escape(BPMN_MODEL_NS) + r"\}")
_OTHER_NAMESPACE = re.compile(r"\{[^}]+\}")
_DECISION = re.compile(r'No DMN Diagram available with id "([^"]*)"')
_START_COUNT = re.compile(r"found (\d+)")


def element_label(element_id: str | None, name: str | None) -> str:
    """How a problem names an element: `"Wait for payment" (wait_payment)`, or its id."""
    if name and element_id:
        return f'"{name}" ({element_id})'
    return f'"{name}"' if name else (element_id or "?")


def plain(text: str) -> str:
    """A parser message without lxml reprs and XML namespaces."""
    text = _ELEMENT_REPR.sub(lambda m: f"bpmn:{m.group(1)}", text)
    text = _ANY_REPR.sub("an element", text)
    text = _NAMESPACE.sub("bpmn:", text)
    text = _OTHER_NAMESPACE.sub("", text)
    return " ".join(text.split()).rstrip(". ").strip() or "unknown problem"


Explain = Callable[[str, str, dict[str, Any]], tuple[str, dict[str, Any]]]


def _outgoing(_text: str, element: str, _ctx: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    return N_("{element} has more than one outgoing flow, but a task continues along one: "
              "add a gateway after it (exclusive, with a condition on each flow, to choose "
              "one path; parallel to take them all)"), {"element": element}


def _decision(text: str, element: str, ctx: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    found = _DECISION.search(text)
    decision = found.group(1) if found else ""
    known = ", ".join(ctx["decisions"]) or "-"
    if decision in ("", "None"):
        return N_("business rule task {element} names no decision: set its decision id "
                  "(spiffworkflow:calledDecisionId) to one of the bundle's decisions: "
                  "{known}"), {"element": element, "known": known}
    return N_("business rule task {element} calls decision {decision}, which the bundle does "
              "not have; its decisions are: {known}"), {"element": element, "decision": decision,
                                                      "known": known}


def _operator(_text: str, element: str, _ctx: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    return N_("service task {element} names no keyflow service: add a "
              "spiffworkflow:serviceTaskOperator naming one of {services}, or make it a "
              "script task"), {"element": element, "services": ", ".join(sorted(SERVICES.names()))}


def _sub_start(text: str, element: str, _ctx: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    found = _START_COUNT.search(text)
    return N_("subprocess {element} needs exactly one plain start event inside it (it has "
              "{count}): draw one and connect it to the subprocess's first step"), {
        "element": element, "count": found.group(1) if found else "0"}


def _sub_end(_text: str, element: str, _ctx: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    return N_("subprocess {element} needs an end event inside it: draw one after its last "
              "step"), {"element": element}


def _no_start(_text: str, element: str, _ctx: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    return N_("process {element} has no start event: add a plain start event and connect it "
              "to the first step"), {"element": element}


def _data_store(text: str, _element: str, _ctx: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    found = re.search(r"Data Store with name (.*?) has no implementation", text)
    return N_("data store {name} cannot be used: keyflow keeps a process's data in the "
              "instance itself (its variables, the customer register through the service "
              "keyflow.file_customer). Remove the data store and its associations from the "
              "diagram"), {"name": f'"{found.group(1)}"' if found else "?"}


def _called(_text: str, element: str, _ctx: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    return N_("call activity {element} names no process: set its called element to the id "
              "of a process in the bundle"), {"element": element}


def _unsupported(_text: str, element: str, ctx: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    return N_("{element} is a {kind}, which keyflow cannot run: replace it with a task, an "
              "exclusive or parallel gateway, or an event keyflow supports"), {
        "element": element, "kind": ctx["tag"] or "?"}


def _reference(_text: str, element: str, _ctx: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    return N_("{element} refers to a message, signal, error or escalation the diagram does "
              "not define: define it in the diagram, or choose one that exists"), {
        "element": element}


def _time(_text: str, element: str, _ctx: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    return N_("timer {element} has no time: choose a duration (\"P3D\"), a date or a cycle "
              "(\"R3/P1D\") and enter it"), {"element": element}


def _multi(_text: str, element: str, _ctx: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    return N_("{element} repeats for several items but says neither how many times "
              "(loop cardinality) nor over which list (input collection): set one of them"), {
        "element": element}


# (words in SpiffWorkflow's message, explanation), first match wins
KNOWN: list[tuple[str, Explain]] = [
    ("Multiple outgoing flows are not supported", _outgoing),
    ("No DMN Diagram available", _decision),
    ("must have an operator", _operator),
    ("Exactly one start event is required", _sub_start),
    ("SubWorkflow Must contain an End event", _sub_end),
    ("No start event found", _no_start),
    ("has no implementation", _data_store),
    ('No "calledElement" attribute', _called),
    ("no support implemented for this task type", _unsupported),
    ("raise_validation_exception() got an unexpected keyword", _reference),
    ("Unknown Time Specification", _time),
    ("must specify a cardinality or a loop input", _multi),
]


def explain(err: SpiffWorkflowException, default_file: str | None,
            decisions: Iterable[str] = ()) -> Problem:
    """The Problem a SpiffWorkflow parser exception stands for, said for a process owner."""
    element = getattr(err, "id", None) or getattr(err, "task_spec", None)
    element_id = element if isinstance(element, str) else getattr(element, "bpmn_id", None)
    name = getattr(err, "name", None) or getattr(element, "bpmn_name", None)
    file = getattr(err, "file_name", None) or default_file
    text = str(err)
    label = element_label(element_id or None, name if isinstance(name, str) else None)
    ctx = {"decisions": sorted(decisions), "tag": str(getattr(err, "tag", "") or "")}
    for words, explanation in KNOWN:
        if words in text:
            message, values = explanation(text, label, ctx)
            return Problem.said(file, element_id or None, message, **values)
    if element_id or name:
        return Problem.said(file, element_id or None, N_("{element}: {detail}"),
                            element=label, detail=plain(text))
    return Problem(file, None, plain(text))


def not_executable(parser: Any) -> list[Problem]:
    """A problem for each process marked isExecutable="false" (when none is executable)."""
    problems = []
    for key, process_parser in parser.process_parsers.items():
        if process_parser.process_executable:
            continue
        label = element_label(key, process_parser.node.get("name"))
        problems.append(Problem.said(
            process_parser.filename, key,
            N_("process {element} is marked as not executable (isExecutable=\"false\"), so "
               "there is nothing to run: mark it executable (Camunda Modeler: the "
               "\"Executable\" box of the process; in the file: isExecutable=\"true\") and "
               "upload it again"), element=label))
    return problems
