"""What data a caller may hand to a process: plain values within limits (issue 9, item 4).

Start data (when the start event has no form) and every task's submitted data (after its
form's schema, which may allow free objects) must be plain data that keyflow can store,
show and restore:

- text, numbers (finite), true/false, null, lists and objects with text names; the engine's
  own callers may also pass `Decimal`, `date` and `datetime`;
- nested at most MAX_DEPTH levels, at most MAX_BYTES as JSON (about, counted in UTF-8);
- no name `typename` at any depth (SpiffWorkflow's serializer reads such an object back as a
  class instance: the saved state would no longer load) and no name starting with `_`;
- free start data may not use the name of a script helper (`now`, `date`, `min`, …): a
  variable of that name would hide the helper from every script of the process.

A breach is an InvalidData (422) listing each problem as path → message; nothing is stored.
The same check keeps a `typename` name out of what scripts and services write (see
`engine.runtime.state.save`).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

from engine.errors import InvalidData
from engine.sandbox.helpers import HELPER_NAMES
from engine.sandbox.script_engine import SAFE_EXCEPTIONS

MAX_DEPTH = 20
MAX_BYTES = 1_000_000
MAX_PROBLEMS = 20  # listed in one answer; a hostile payload may hold millions
RESERVED_KEY = "typename"
RESERVED_NAMES = frozenset(HELPER_NAMES) | frozenset(SAFE_EXCEPTIONS)
SCALARS = (str, bool, int, float, Decimal, date, type(None))  # datetime is a date


def check_data(data: Any, *, free_names: bool = False) -> dict[str, Any]:
    """Return `data` if it is storable plain data; else raise InvalidData listing the problems.

    `free_names`: the names are nobody's form fields (start data without a start form), so
    the script helpers' names are refused too.
    """
    problems = data_problems(data, free_names=free_names)
    if problems:
        raise InvalidData(f"the data breaks {len(problems)} rule(s) for process data", problems)
    return dict(data)


def data_problems(data: Any, *, free_names: bool = False) -> dict[str, str]:
    """path → message for everything wrong with `data` (at most MAX_PROBLEMS of them)."""
    if not isinstance(data, dict):
        return {"": "must be an object"}
    problems: dict[str, str] = {}
    for path, message in _walk(data, free_names):
        problems.setdefault(path, message)
        if len(problems) >= MAX_PROBLEMS:
            break
    return problems


def reserved_key_path(value: Any) -> str | None:
    """The path of the first `typename` name inside `value` (task data), if there is one."""
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, dict):
            for key, child in item.items():
                if key == RESERVED_KEY:
                    return _join(path, key)
                stack.append((_join(path, key), child))
        elif isinstance(item, list | tuple):
            stack.extend((_join(path, i), child) for i, child in enumerate(item))
    return None


def _join(path: str, key: object) -> str:
    return f"{path}/{key}" if path else str(key)


def _walk(data: dict[str, Any], free_names: bool) -> Iterator[tuple[str, str]]:
    """Problems in document order; stops counting size once past MAX_BYTES."""
    # Iterative: a hostile payload nests deeper than Python's recursion limit.
    size = 0
    stack: list[tuple[str, Any, int]] = [("", data, 0)]
    while stack:
        path, value, depth = stack.pop()
        if isinstance(value, dict):
            if depth > MAX_DEPTH:
                yield path, f"nested more than {MAX_DEPTH} levels deep"
                continue
            children = []
            for key, child in value.items():
                size += 4 + (len(key.encode()) if isinstance(key, str) else 8)
                problem = _name_problem(key, top=depth == 0 and free_names)
                if problem:
                    yield _join(path, key), problem
                else:
                    children.append((_join(path, key), child, depth + 1))
            stack.extend(reversed(children))
        elif isinstance(value, list | tuple):
            if depth > MAX_DEPTH:
                yield path, f"nested more than {MAX_DEPTH} levels deep"
                continue
            size += 2 + len(value)
            stack.extend(reversed([(_join(path, i), child, depth + 1)
                                   for i, child in enumerate(value)]))
        else:
            problem = _value_problem(value)
            if problem:
                yield path, problem
            size += len(value.encode()) + 2 if isinstance(value, str) else 8
        if size > MAX_BYTES:
            yield "", f"larger than {MAX_BYTES:,} bytes as JSON"
            return


def _name_problem(key: object, *, top: bool) -> str | None:
    if not isinstance(key, str):
        return "names must be text"
    if key == RESERVED_KEY:
        return f"the name {RESERVED_KEY!r} is reserved"
    if key.startswith("_"):
        return "names may not start with '_'"
    if top and key in RESERVED_NAMES:
        return f"{key!r} is the name of a script helper; choose another name"
    return None


def _value_problem(value: object) -> str | None:
    if not isinstance(value, SCALARS):
        return f"a {type(value).__name__} is not plain data"
    if isinstance(value, float) and not math.isfinite(value):
        return "not a finite number"
    if isinstance(value, Decimal) and not value.is_finite():
        return "not a finite number"
    return None
