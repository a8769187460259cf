"""Fields that hold one pass's decision: the `x-keyflow-decision` keyword of a form.

A task that comes round again (the head reviews a revised application) must not offer the
previous pass's decision and comment as if they were the new one. A form marks such
top-level properties with `"x-keyflow-decision": true`: the task page starts them empty on
every pass, and completing a pass without them removes the old values from the task's data
(a comment left out is no comment, not the last one). Other fields keep what was entered;
every pass's submission stays in the instance's history. Deployment refuses the keyword
anywhere but on a top-level property, or with a value other than `true` (`field_problems`).
"""

from __future__ import annotations

from typing import Any

from .form_rules import Problem, pointer, subschemas

KEYWORD = "x-keyflow-decision"


def decision_fields(schema: Any) -> list[str]:
    """The top-level properties of `schema` marked as a pass's decision."""
    props = schema.get("properties") if isinstance(schema, dict) else None
    if not isinstance(props, dict):
        return []
    return [name for name, prop in props.items()
            if isinstance(prop, dict) and prop.get(KEYWORD) is True]


def field_problems(schema: Any) -> list[Problem]:
    """(JSON pointer, reason) for every misused `x-keyflow-decision` in a form."""
    problems: list[Problem] = []
    for path, node in subschemas(schema):
        if KEYWORD not in node:
            continue
        if len(path) != 2 or path[0] != "properties":
            problems.append((pointer((*path, KEYWORD)),
                             f"{KEYWORD} belongs on a field of the form's top-level properties"))
        elif node[KEYWORD] is not True:
            problems.append((pointer((*path, KEYWORD)), f"{KEYWORD} must be true"))
    return problems


def forget_decisions(schema: Any, data: dict[str, Any], submitted: dict[str, Any]) -> None:
    """Drop from `data` the decision fields this pass's `submitted` data leaves out."""
    for name in decision_fields(schema):
        if name not in submitted:
            data.pop(name, None)
