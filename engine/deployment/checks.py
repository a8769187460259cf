"""Static checks of a parsed process: lanes are roles, forms exist (a customer-lane task's
form declares the customer's answer, engine/customer_fields.py), code is sandbox-safe,
literal timers keep to keyflow's limits (engine/bpmn/timer_limits.py)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, Literal

from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    TimerEventDefinition,
)
from SpiffWorkflow.bpmn.specs.mixins.manual_task import ManualTask
from SpiffWorkflow.bpmn.specs.mixins.service_task import ServiceTask
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask

from engine.bpmn.timer_limits import TimerOutOfBounds, check_value
from engine.customer_fields import task_problems
from engine.errors import Problem
from engine.i18n import N_
from engine.outcomes import outcome_problem
from engine.roles import EXTERNAL_ROLE, LANE_ROLES
from engine.sandbox import ScriptRejected, check_source
from engine.services import SERVICES

from .parser_messages import element_label
from .reminder_checks import check_reminder_properties, property_problem

Mode = Literal["exec", "eval"]


def check_process(
    spec: Any, subprocess_specs: dict[str, Any], forms: dict[str, dict[str, Any]]
) -> list[Problem]:
    """Every problem of `spec` and the specs it calls."""
    problems: list[Problem] = []
    for process in [spec, *subprocess_specs.values()]:
        for task_spec in process.task_specs.values():
            if not getattr(task_spec, "bpmn_id", None):
                continue  # SpiffWorkflow's own start/end bookkeeping specs
            for found in _check_task(task_spec, forms):
                if isinstance(found, Problem):
                    problems.append(replace(found, file=process.file))
                else:
                    problems.append(Problem(process.file, *found))
    return problems


def _check_task(ts: Any, forms: dict[str, dict[str, Any]]
                ) -> Iterator[tuple[str, str] | Problem]:
    if isinstance(ts, UserTask | ManualTask):
        yield from _check_human_task(ts, forms)
    if isinstance(ts, ServiceTask):
        yield from _check_service_task(ts)
    for label, source, mode in _code_of(ts):
        try:
            check_source(source, mode)
        except ScriptRejected as err:
            # `what` and `reason` are message ids where keyflow wrote them (Problem.text).
            if err.lineno:
                yield Problem.said(None, ts.bpmn_id, N_(
                    "{what} is not allowed (line {line}): {reason}"),
                    what=label, line=err.lineno, reason=err.reason)
            else:
                yield Problem.said(None, ts.bpmn_id, N_("{what} is not allowed: {reason}"),
                                   what=label, reason=err.reason)
    yield from _check_timers(ts)
    yield from check_reminder_properties(ts)
    outcome = outcome_problem(ts)
    if outcome is not None:
        yield ts.bpmn_id, outcome


def _check_human_task(ts: Any, forms: dict[str, dict[str, Any]]
                      ) -> Iterator[tuple[str, str] | Problem]:
    """A user or manual task waits for a person, so it needs the lane of a role."""
    kind = "user task" if isinstance(ts, UserTask) else "manual task"
    if not ts.lane:
        yield ts.bpmn_id, f"{kind} is not in a lane; put it in the lane of the role that does it"
    elif ts.lane not in LANE_ROLES:
        yield ts.bpmn_id, (f"lane {ts.lane!r} is not a known role; "
                           f"use one of {', '.join(LANE_ROLES)}")
    props = (ts.extensions or {}).get("properties", {})
    form_key = props.get("formKey")
    if form_key and form_key not in forms:
        yield ts.bpmn_id, f"form {form_key!r} not found: the bundle needs forms/{form_key}.json"
    if ts.lane == EXTERNAL_ROLE:  # answered through the customer's page, not the form
        for reason in task_problems(form_key, forms):
            yield ts.bpmn_id, reason
    due = props.get("dueIn")
    problem = property_problem("dueIn", due, ts.bpmn_id) if due else None
    if problem is not None:
        yield problem


def _check_service_task(ts: Any) -> Iterator[tuple[str, str] | Problem]:
    """The service must be one keyflow has, given the parameters it needs."""
    name = getattr(ts, "operation_name", None)
    service = SERVICES.get(name) if isinstance(name, str) else None
    if service is None:
        known = ", ".join(sorted(SERVICES.names()))
        yield Problem.said(None, ts.bpmn_id, N_(
            "service task {element} calls an unknown service {service}; keyflow's services "
            "are {known}"), element=element_label(ts.bpmn_id, ts.bpmn_name),
            service=repr(name), known=known)
        return
    for problem in service.parameter_problems(getattr(ts, "operation_params", None) or {}):
        yield ts.bpmn_id, problem


def _code_of(ts: Any) -> Iterator[tuple[str, str, Mode]]:
    """(label, source, mode) of every piece of code attached to a task spec."""
    if getattr(ts, "script", None):
        yield N_("script"), ts.script, "exec"
    for attr, label in (("prescript", N_("prescript")), ("postscript", N_("postscript"))):
        if getattr(ts, attr, None):
            yield label, getattr(ts, attr), "exec"
    for name, param in (getattr(ts, "operation_params", None) or {}).items():
        # Service task parameters are expressions, evaluated in the sandbox before the call.
        yield f"service parameter {name!r}", str(param.get("value", "")), "eval"
    for condition, _target in getattr(ts, "cond_task_specs", None) or ():
        # SpiffWorkflow wraps each sequence-flow condition in an operator holding the text.
        source = getattr(condition, "args", [None])[0] if condition is not None else None
        if isinstance(source, str):
            yield N_("condition"), source, "eval"
    for definition in _event_definitions(ts):
        if isinstance(definition, TimerEventDefinition) and _has_text(definition.expression):
            yield N_("timer expression"), definition.expression, "eval"
    engine = getattr(ts, "dmnEngine", None)
    if engine is not None:
        yield from _dmn_code(engine.decision_table)


def _dmn_code(table: Any) -> Iterator[tuple[str, str, Mode]]:
    for item in table.inputs:
        if item.expression:
            yield f"decision input {item.label or item.id!r}", item.expression, "eval"
    for rule in table.rules:
        for entry in rule.inputEntries:
            for lhs in entry.lhs:
                if lhs is None or lhs.strip() in ("", "-"):
                    continue
                # SpiffWorkflow's DMN engine turns `> 5000` into `<input> > 5000`.
                text = lhs.replace("?", "dmninputexpr")
                if "dmninputexpr" not in text and not _parses(text):
                    text = f"dmninputexpr {text}"
                yield f"decision rule {rule.row_number} input", text, "eval"
        for output in rule.outputEntries:
            if getattr(output, "text", None):
                yield f"decision rule {rule.row_number} output", output.text, "eval"


def _parses(text: str) -> bool:
    try:
        ast.parse(text, mode="eval")
    except SyntaxError:
        return False
    return True


def _event_definitions(ts: Any) -> list[Any]:
    definition = getattr(ts, "event_definition", None)
    if definition is None:
        return []
    if isinstance(definition, MultipleEventDefinition):
        return list(definition.event_definitions)
    return [definition]


def _has_text(expression: object) -> bool:
    return isinstance(expression, str) and bool(expression.strip())


def _check_timers(ts: Any) -> Iterator[tuple[str, str] | Problem]:
    """A literal timer expression ("P3D") must be a valid ISO value within keyflow's limits;
    computed ones are held to the same limits when they run. An empty one (`<timeDuration/>`
    from another modeller) has no time at all."""
    now = datetime.now(UTC)  # the wall clock: a ten-year horizon needs no engine clock
    for definition in _event_definitions(ts):
        if not isinstance(definition, TimerEventDefinition):
            continue
        if not _has_text(definition.expression):
            yield Problem.said(None, ts.bpmn_id, N_(
                "timer {element} has no time: choose a duration (\"P3D\"), a date or a cycle "
                "(\"R3/P1D\") and enter it"), element=element_label(ts.bpmn_id, ts.bpmn_name))
            continue
        try:
            value = ast.literal_eval(definition.expression.strip())
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            continue  # not a literal: check_source has judged it
        try:
            check_value(definition, value, now)
        except TimerOutOfBounds as err:
            yield ts.bpmn_id, str(err)
