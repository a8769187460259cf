"""Refuse recursion through call activities and subprocesses.

A process that calls itself, directly or through others, never reaches a wait state:
SpiffWorkflow creates the called workflow and runs it at once, so `start_instance` would
run until memory or patience runs out while holding the database's write lock. Every
call activity that lies on such a cycle is reported, with the cycle (embedded subprocesses
are part of the path but never its cause).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any

from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import CallActivity, SubWorkflowTask

from engine.errors import Problem
from engine.i18n import N_


@dataclass(frozen=True)
class _Call:
    """One call activity or subprocess: which spec holds it and which spec it runs."""

    caller: str
    element_id: str
    callee: str
    file: str | None
    is_call_activity: bool


def _calls(specs: dict[str, Any]) -> list[_Call]:
    return [
        _Call(name, ts.bpmn_id, ts.spec, getattr(spec, "file", None),
              isinstance(ts, CallActivity))
        for name, spec in sorted(specs.items())
        for ts in spec.task_specs.values()
        if isinstance(ts, SubWorkflowTask) and isinstance(getattr(ts, "spec", None), str)
    ]


def _path_back(start: str, goal: str, edges: dict[str, list[str]]) -> list[str] | None:
    """The shortest chain of specs from `start` to `goal`, if there is one."""
    previous: dict[str, str | None] = {start: None}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        if node == goal:
            chain = [node]
            while (before := previous[chain[-1]]) is not None:
                chain.append(before)
            return chain[::-1]
        for following in edges.get(node, []):
            if following not in previous:
                previous[following] = node
                queue.append(following)
    return None


def call_cycle_problems(specs: dict[str, Any], processes: set[str]) -> list[Problem]:
    """A problem for every call activity through which a process calls itself.

    `specs` maps every process and subprocess name of the bundle to its spec; `processes`
    names the top-level processes, used to describe a cycle in the words of the diagram.
    """
    calls = _calls(specs)
    edges: dict[str, list[str]] = {}
    for call in calls:
        edges.setdefault(call.caller, []).append(call.callee)
    problems: list[Problem] = []
    for call in (c for c in calls if c.is_call_activity):
        back = _path_back(call.callee, call.caller, edges)
        if back is None:
            continue
        cycle = [call.caller, *back]
        named = [name for name in cycle if name in processes] or cycle
        if named[0] != named[-1]:
            named.append(named[0])
        problems.append(Problem.said(
            call.file, call.element_id, N_(
                "calls '{callee}', which leads back here, so the process calls itself "
                "({path}); a process may not call itself, directly or through another"),
            callee=call.callee, path=" → ".join(named),
        ))
    return problems
