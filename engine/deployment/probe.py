"""Validation by running: every script, condition, timer, service parameter and decision
table entry of a process is evaluated once, in the sandbox, against sample data built from
its forms (sample_data.py) and its start data, before it can be deployed.

What it reports, with the element: a name that nothing provides (an unquoted timer `P3D`
is one: it reads as a variable), a type error (`amount > "5000"`), a timer whose value is
not a time. What it cannot know it leaves alone: a key or index missing from sample data,
a division by zero, a value out of range are data-dependent, and the instance reports them
when they happen.

No side effects: service tasks are stubbed (their parameters are evaluated, their result
variable is an empty object), no database or clock is touched, scripts run with a short
time limit on copies of the sample data. Scripts, business rules and service results
provide names in an order the probe does not follow through the diagram; it runs them
until no more names appear, so a name any of them sets counts as provided. What reads a
service's result is skipped (its value is unknown), and so is what reads the names that
sets. A process without a start form may be started with any data (the API's start body),
so there an unknown name is reported only when it is a time written without quotes.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    TimerEventDefinition,
)
from SpiffWorkflow.bpmn.specs.mixins.manual_task import ManualTask
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask

from engine.bpmn.timer_limits import TimerOutOfBounds, check_value
from engine.clock import SystemClock
from engine.errors import Problem
from engine.i18n import N_
from engine.sandbox import SandboxedScriptEngine
from engine.sandbox.script_output import silenced

from .parser_messages import element_label
from .sample_data import sample_data
from .start_form import start_form_key

PROBE_TIME_LIMIT = 1.0  # seconds per script or expression on sample data
# Data keyflow itself gives every instance at the start (engine.runtime.instances).
START_DATA = {"customer_name": "text"}
# What a person types for a timer, unquoted: a duration, a cycle or a date.
_TIME_LITERAL = re.compile(r"^(R\d*/)?P[\dTYMWDHS.]+$|^\d{4}-\d{2}-\d{2}")

WHAT = {  # `what` values of probe problems (Problem.text translates them too)
    "script": N_("the script"),
    "condition": N_("the condition"),
    "timer": N_("the timer"),
    "service": N_("a service parameter"),
    "decision": N_("the decision table"),
    "loop": N_("the loop expression"),
}


@dataclass
class _Spec:
    file: str | None


@dataclass
class _Workflow:
    """The parts of a workflow SpiffWorkflow's error reports read (a top-level one)."""

    script_engine: SandboxedScriptEngine
    spec: _Spec

    @property
    def top_workflow(self) -> _Workflow:
        return self


@dataclass
class _Task:
    """What the script engine and the DMN engine read off a task: data, spec, workflow."""

    data: dict[str, Any]
    task_spec: Any
    workflow: _Workflow


class _Probe:
    def __init__(self, data: dict[str, Any]) -> None:
        self.engine = SandboxedScriptEngine(SystemClock(), time_limit=PROBE_TIME_LIMIT)
        self.data = data
        self.file: str | None = None
        self.strict = True  # False without a start form: start data may hold any name
        self.unknown: set[str] = set()  # names set from values the probe cannot know

    def task(self, ts: Any, data: dict[str, Any] | None = None) -> _Task:
        return _Task(dict(self.data) if data is None else data, ts,
                     _Workflow(self.engine, _Spec(self.file)))


def _cause(exc: BaseException) -> BaseException:
    """The innermost cause (the NameError under ScriptFailed under WorkflowTaskException)."""
    seen = 0
    while exc.__cause__ is not None and seen < 10:
        exc, seen = exc.__cause__, seen + 1
    return exc


def _reason(exc: BaseException) -> str:
    inner = getattr(exc, "exception", None)
    reason = getattr(inner, "reason", None) or getattr(exc, "reason", None)
    return str(reason or exc)


def _unknown_name(exc: BaseException) -> str | None:
    cause = _cause(exc)
    return cause.name if isinstance(cause, NameError) and isinstance(cause.name, str) else None


def _problem(probe: _Probe, ts: Any, what: str, exc: BaseException) -> Problem | None:
    """The problem `exc` stands for, or None when it depends on the data (not reported)."""
    label = element_label(ts.bpmn_id, getattr(ts, "bpmn_name", None))
    name = _unknown_name(exc)
    if name is not None:
        if not probe.strict or name in probe.unknown:
            return None  # free start data may hold it; or a value the probe cannot know
        return Problem.said(probe.file, ts.bpmn_id, N_(
            "{what} of {element} uses the name {name}, which no form field, start data or "
            "earlier step provides: check the spelling, or add the field to a form"),
            what=WHAT[what], element=label, name=name)
    if isinstance(_cause(exc), TypeError):
        return Problem.said(probe.file, ts.bpmn_id, N_(
            "{what} of {element} fails on sample data from the forms: {reason}"),
            what=WHAT[what], element=label, reason=_reason(exc))
    return None


def _names(source: str, mode: str) -> tuple[set[str], set[str]]:
    """(names read, names assigned) by a piece of code that the sandbox accepted."""
    try:
        tree = ast.parse(source, mode=mode)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return set(), set()
    read: set[str] = set()
    written: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (read if isinstance(node.ctx, ast.Load) else written).add(node.id)
    return read, written


def _producer_names(ts: Any) -> tuple[set[str], set[str]]:
    """What a producer reads and what it sets (scripts, decision outputs, service results)."""
    read: set[str] = set()
    written: set[str] = set()
    for attr in ("prescript", "script", "postscript"):
        if getattr(ts, attr, None):
            more_read, more_written = _names(getattr(ts, attr), "exec")
            read |= more_read - written
            written |= more_written
    engine = getattr(ts, "dmnEngine", None)
    if engine is not None:
        table = engine.decision_table
        for item in table.inputs:
            read |= _names(item.expression or "", "eval")[0]
        for output in table.outputs:
            written.add((output.name or output.label or "").split(".")[0])
    result = getattr(ts, "result_variable", None)
    if isinstance(result, str) and result:
        written.add(result)
    return read, written


def _report(probe: _Probe, ts: Any, exc: BaseException, problems: list[Problem]) -> None:
    found = _problem(probe, ts, "decision" if hasattr(ts, "dmnEngine") else "script", exc)
    if found is not None:
        problems.append(found)
    probe.unknown |= _producer_names(ts)[1]  # what it would have set stays unknown


def _run_producers(probe: _Probe, producers: list[Any], problems: list[Problem]) -> None:
    """Scripts, business rules, service results: run until no new name appears. What reads
    a value the probe cannot know (a service's result) is skipped, and what it sets becomes
    unknown too."""
    pending = list(producers)
    while pending:
        waiting: list[tuple[Any, BaseException]] = []
        progress = False
        for ts in pending:
            read, written = _producer_names(ts)
            if getattr(ts, "result_variable", None) or read & probe.unknown:
                probe.unknown |= written  # the service is not called; its result is unknown
                progress = True
                continue
            try:
                probe.data.update(_produce(probe, ts))
                progress = True
            except Exception as exc:  # noqa: BLE001 - classified
                if _unknown_name(exc) is not None:
                    waiting.append((ts, exc))
                else:
                    _report(probe, ts, exc, problems)
                    progress = True
        if not progress:
            for ts, failure in waiting:
                _report(probe, ts, failure, problems)
            return
        pending = [ts for ts, _exc in waiting]


def _produce(probe: _Probe, ts: Any) -> dict[str, Any]:
    """The names one producer adds to the data."""
    task = probe.task(ts)
    for attr in ("prescript", "script", "postscript"):
        if getattr(ts, attr, None):
            probe.engine.execute(task, getattr(ts, attr))
    engine = getattr(ts, "dmnEngine", None)
    if engine is not None:
        for rule in engine.decision_table.rules:
            for entry in rule.inputEntries:
                for lhs in entry.lhs:
                    if lhs is not None and lhs.strip() not in ("", "-"):
                        engine.evaluate(entry.input.expression, lhs, task)
            task.data.update(rule.output_as_dict(task))
    return task.data


def _is_producer(ts: Any) -> bool:
    return bool(getattr(ts, "script", None) or getattr(ts, "prescript", None)
                or getattr(ts, "postscript", None) or hasattr(ts, "dmnEngine")
                or getattr(ts, "result_variable", None))


def _expressions(ts: Any) -> Iterator[tuple[str, str]]:
    """(what, source) of every expression a task spec evaluates (not scripts, not timers)."""
    for condition, _target in getattr(ts, "cond_task_specs", None) or ():
        source = getattr(condition, "args", [None])[0] if condition is not None else None
        if isinstance(source, str) and source.strip():
            yield "condition", source
    for param in (getattr(ts, "operation_params", None) or {}).values():
        value = param.get("value") if isinstance(param, dict) else None
        if isinstance(value, str) and value.strip():
            yield "service", value
    for attr in ("condition", "cardinality"):
        value = getattr(ts, attr, None)
        if isinstance(value, str) and value.strip():
            yield "loop", value


def _timers(ts: Any) -> list[TimerEventDefinition]:
    definition = getattr(ts, "event_definition", None)
    found = getattr(definition, "event_definitions", None) or [definition]
    return [d for d in found if isinstance(d, TimerEventDefinition)
            and isinstance(d.expression, str) and d.expression.strip()]


def _check_timer(probe: _Probe, ts: Any, definition: TimerEventDefinition) -> Problem | None:
    expression = definition.expression.strip()
    label = element_label(ts.bpmn_id, getattr(ts, "bpmn_name", None))
    if _names(expression, "eval")[0] & probe.unknown:
        return None
    try:
        value = probe.engine.evaluate(probe.task(ts), expression)
    except Exception as exc:  # noqa: BLE001 - classified
        if _unknown_name(exc) is not None and _TIME_LITERAL.match(expression):
            return Problem.said(probe.file, ts.bpmn_id, N_(
                "the timer of {element} says {value} without quotes, so it is read as a "
                "name: write \"{value}\" (the side panel quotes what you type)"),
                element=label, value=expression)
        return _problem(probe, ts, "timer", exc)
    now = datetime.now(UTC)
    try:
        check_value(definition, value, now)
    except (TimerOutOfBounds, ValueError, TypeError) as err:
        return Problem.said(probe.file, ts.bpmn_id, N_(
            "the timer of {element} gives {value} on sample data from the forms, which is not "
            "a time: {reason}"), element=label, value=repr(value)[:80], reason=str(err))
    return None


def probe_process(spec: Any, subprocess_specs: dict[str, Any],
                  forms: dict[str, dict[str, Any]]) -> list[Problem]:
    """Every problem that running `spec`'s code once on sample data reveals (what its
    scripts print is dropped: no instance runs)."""
    with silenced():
        return _probe(spec, subprocess_specs, forms)


def _probe(spec: Any, subprocess_specs: dict[str, Any],
           forms: dict[str, dict[str, Any]]) -> list[Problem]:
    specs = [spec, *subprocess_specs.values()]
    keys = [start_form_key(spec)] + [
        ((ts.extensions or {}).get("properties", {})).get("formKey")
        for s in specs for ts in s.task_specs.values() if isinstance(ts, UserTask | ManualTask)]
    data = dict(START_DATA)
    data.update(sample_data([forms[k] for k in dict.fromkeys(keys) if k and k in forms]))
    probe = _Probe(data)
    probe.strict = start_form_key(spec) is not None
    problems: list[Problem] = []
    for process in specs:
        for name in getattr(process, "data_objects", None) or {}:
            probe.data.setdefault(name, None)
    for process in specs:
        probe.file = process.file
        tasks = [ts for ts in process.task_specs.values() if getattr(ts, "bpmn_id", None)]
        for ts in tasks:
            for attr in ("input_item", "output_item"):
                item_id = getattr(getattr(ts, attr, None), "bpmn_id", None)
                if isinstance(item_id, str):
                    probe.data.setdefault(item_id, "text")
        _run_producers(probe, [ts for ts in tasks if _is_producer(ts)], problems)
    for process in specs:
        probe.file = process.file
        for ts in process.task_specs.values():
            if not getattr(ts, "bpmn_id", None):
                continue
            for what, source in _expressions(ts):
                if _names(source, "eval")[0] & probe.unknown:
                    continue
                try:
                    probe.engine.evaluate(probe.task(ts), source)
                except Exception as exc:  # noqa: BLE001 - classified
                    found = _problem(probe, ts, what, exc)
                    if found is not None:
                        problems.append(found)
            for definition in _timers(ts):
                found = _check_timer(probe, ts, definition)
                if found is not None:
                    problems.append(found)
    return problems
