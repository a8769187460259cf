"""Turn a bundle into parsed, validated process specs (no database involved)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from SpiffWorkflow.bpmn.parser.util import BPMN_MODEL_NS
from SpiffWorkflow.bpmn.specs.mixins.manual_task import ManualTask
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask
from SpiffWorkflow.exceptions import SpiffWorkflowException

from engine.bpmn.parser import KeyflowParser
from engine.bpmn.safe_xml import UnsafeXml, parse_xml
from engine.customer_fields import field_problems
from engine.decision_fields import field_problems as decision_problems
from engine.durations import parse_duration
from engine.errors import Problem
from engine.form_rules import MAX_FORM_DEPTH, form_problems, nesting_depth
from engine.i18n import N_

from .bundle import Bundle, content_hash
from .call_cycles import call_cycle_problems
from .checks import check_process
from .parser_messages import explain, not_executable
from .probe import probe_process
from .start_form import start_form_key, start_form_problems


@dataclass(frozen=True)
class UserTaskInfo:
    """What keyflow reads off a user (or manual) task's spec: its lane's role, form, due time."""

    bpmn_id: str
    name: str
    name_en: str
    role: str
    form_key: str | None
    due_in: timedelta | None
    properties: dict[str, str]


@dataclass
class CompiledProcess:
    """One process ready to run: spec, called specs, its forms and the files it came from."""

    key: str
    name: str
    name_en: str
    spec: Any
    subprocess_specs: dict[str, Any]
    files: dict[str, bytes]
    forms: dict[str, dict[str, Any]] = field(default_factory=dict)
    user_tasks: dict[str, UserTaskInfo] = field(default_factory=dict)  # manual tasks too

    @property
    def content_hash(self) -> str:
        """The version identity: a hash of every file this process needs."""
        return content_hash(self.files)

    @property
    def lanes(self) -> list[str]:
        """Roles that hold user tasks, in first-seen order."""
        return list(dict.fromkeys(info.role for info in self.user_tasks.values()))


def load_forms(bundle: Bundle, problems: list[Problem], *, checked: bool = True
               ) -> dict[str, dict[str, Any]]:
    """Parse every form; when `checked`, add a problem for each rule it breaks (with the JSON
    pointer as element id: engine/form_rules.py, engine/customer_fields.py) and for each one
    that is not a JSON Schema."""
    forms: dict[str, dict[str, Any]] = {}
    for name in bundle.form_names:
        key = name.removeprefix("forms/").removesuffix(".json")
        try:
            schema = json.loads(bundle.files[name])
        except ValueError as err:
            problems.append(Problem.said(name, None, N_(
                "not a valid JSON Schema: {detail}"), detail=err))
            continue
        except RecursionError:
            problems.append(Problem.said(name, None, N_(
                "not a valid JSON Schema: nested too deeply")))
            continue
        if not isinstance(schema, dict):
            problems.append(Problem.said(name, None, N_(
                "not a valid JSON Schema: a form must be a JSON object")))
            continue
        if checked:
            found = [Problem(name, where, reason)
                     for where, reason in (form_problems(schema) + field_problems(schema)
                                                   + decision_problems(schema))]
            problems += found
            if nesting_depth(schema)[0] <= MAX_FORM_DEPTH:  # else recursion would fail anyway
                _check_json_schema(name, schema, problems)
        forms[key] = schema  # kept even when refused: its tasks should not say "not found"
    return forms


def _check_json_schema(name: str, schema: dict[str, Any], problems: list[Problem]) -> None:
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as err:
        problems.append(Problem.said(name, None, N_(
            "not a valid JSON Schema: {detail}"), detail=err.message))
    except RecursionError:  # the depth is bounded; this is the last guard
        problems.append(Problem.said(name, None, N_(
                "not a valid JSON Schema: nested too deeply")))


def _parse_documents(bundle: Bundle, problems: list[Problem]) -> KeyflowParser:
    parser = KeyflowParser()
    for name in bundle.dmn_names + bundle.bpmn_names:
        try:
            root = parse_xml(bundle.files[name], name)
            if name.endswith(".dmn"):
                parser.add_dmn_xml(root, filename=name)
            else:
                parser.add_bpmn_xml(root, filename=name)
        except UnsafeXml as err:
            problems.append(Problem(name, None, str(err)))
        except SpiffWorkflowException as err:
            problems.append(explain(err, name))
    return parser


def english_name(documentation: str | None) -> str:
    """keyflow's convention: an element's English name is the first line of its documentation."""
    if not documentation:
        return ""
    return documentation.strip().splitlines()[0].strip()[:200]


def _process_documentation(parser: KeyflowParser, key: str) -> str | None:
    node = parser.get_process_parser(key).node
    found = node.xpath("./bpmn:documentation", namespaces={"bpmn": BPMN_MODEL_NS})
    return str(found[0].text) if found and found[0].text else None


def user_task_info(task_spec: Any) -> UserTaskInfo:
    """Read role, form key and due time off a user task spec (already validated)."""
    props: dict[str, str] = dict((task_spec.extensions or {}).get("properties", {}))
    return UserTaskInfo(
        bpmn_id=task_spec.bpmn_id,
        name=task_spec.bpmn_name or task_spec.bpmn_id,
        name_en=english_name(getattr(task_spec, "documentation", None))
        or task_spec.bpmn_name or task_spec.bpmn_id,
        role=task_spec.lane or "",
        form_key=props.get("formKey") or None,
        due_in=_due_in(props.get("dueIn")),
        properties=props,
    )


def _due_in(text: str | None) -> timedelta | None:
    """A task's `dueIn`; deployment refuses bad ones, older versions run without one."""
    try:
        return parse_duration(text) if text else None
    except ValueError:
        return None


def compile_bundle(bundle: Bundle, *, checked: bool = True
                   ) -> tuple[dict[str, CompiledProcess], list[Problem]]:
    """Parse and validate every process of `bundle`; return them with every problem found.

    `checked=False` only parses: for files that passed the checks when they were deployed
    (the spec cache reloading a stored version).
    """
    problems: list[Problem] = []
    forms = load_forms(bundle, problems, checked=checked)
    parser = _parse_documents(bundle, problems)
    compiled: dict[str, CompiledProcess] = {}
    every_spec: dict[str, Any] = {}
    top_level = parser.get_process_ids()  # asked first: parsing adds embedded subprocesses
    for key in top_level:
        process_file = parser.get_process_parser(key).filename
        try:
            spec = parser.get_spec(key)
            subprocess_specs = parser.get_subprocess_specs(key)
        except SpiffWorkflowException as err:  # ValidationException among them
            problems.append(explain(err, process_file, parser.dmn_parsers))
            continue
        every_spec.update(subprocess_specs)
        every_spec[key] = spec
        found = (check_process(spec, subprocess_specs, forms) + start_form_problems(spec, forms)
                 if checked else [])
        if checked and not found:  # only code the sandbox accepted runs on sample data
            found = probe_process(spec, subprocess_specs, forms)
        problems += found
        if found:
            continue
        specs = [spec, *subprocess_specs.values()]
        user_tasks = {
            ts.bpmn_id: user_task_info(ts)
            for s in specs
            for ts in s.task_specs.values()
            if isinstance(ts, UserTask | ManualTask)
        }
        needed = {s.file for s in specs}
        if any(_is_rule_task(ts) for s in specs for ts in s.task_specs.values()):
            # A decision table cannot be traced back to its file, so a process that uses
            # decisions depends on every DMN file of the bundle.
            needed |= set(bundle.dmn_names)
        used_forms = {i.form_key for i in user_tasks.values() if i.form_key}
        used_forms |= {k for k in [start_form_key(spec)] if k}
        needed |= {f"forms/{k}.json" for k in used_forms}
        compiled[key] = CompiledProcess(
            key=key,
            name=spec.description or key,
            name_en=english_name(_process_documentation(parser, key)) or spec.description or key,
            spec=spec,
            subprocess_specs=subprocess_specs,
            files={n: bundle.files[n] for n in sorted(needed)},
            forms={k: forms[k] for k in used_forms},
            user_tasks=user_tasks,
        )
    if checked:
        problems += call_cycle_problems(every_spec, set(top_level))
    if not top_level and not problems:
        problems += not_executable(parser)
    if not compiled and not problems:
        problems.append(Problem.said(None, None, N_(
            "the bundle defines no process: it needs a .bpmn file with a bpmn:process")))
    return compiled, problems


def _is_rule_task(task_spec: Any) -> bool:
    return hasattr(task_spec, "dmnEngine")
