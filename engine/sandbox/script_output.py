"""`print()` in scripts: what a script prints goes to the log, tagged with its instance.

Diagrams from other modellers print to trace their scripts; keyflow keeps those lines in
its log (logger `keyflow.scripts`, with the `instance_id` and `element_id` of the run when
the command knows them) instead of refusing the script. Each call writes at most
MAX_OUTPUT characters; every value is measured first, like an f-string's (guards.py), so
printing cannot do more work than formatting could.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from engine.sandbox.guards import ScriptFailed, format_value

log = logging.getLogger("keyflow.scripts")
MAX_OUTPUT = 2000
# The instance and element whose script is running (set by the script engine per run).
WHERE: ContextVar[dict[str, Any] | None] = ContextVar("keyflow_script_where", default=None)


def script_print(*values: Any, sep: Any = " ", end: Any = "\n", **_ignored: Any) -> None:
    """`print` as scripts see it: one log line with the printed text (`file=` is ignored)."""
    if not isinstance(sep, str | None) or not isinstance(end, str | None):
        raise ScriptFailed("print(): sep and end must be text")
    parts: list[str] = []
    room = MAX_OUTPUT
    for value in values:
        text = str(format_value(value))[:room]
        parts.append(text)
        room -= len(text)
        if room <= 0:
            break
    where = WHERE.get() or {}
    if where.get("silent"):
        return
    line = (" " if sep is None else sep).join(parts)[:MAX_OUTPUT]
    log.info("script output: %s", line, extra=dict(where))


@contextmanager
def printing_for(**where: Any) -> Iterator[None]:
    """Tag what scripts print inside the block with `where` (instance_id, element_id)."""
    token = WHERE.set({k: v for k, v in where.items() if v is not None})
    try:
        yield
    finally:
        WHERE.reset(token)


@contextmanager
def silenced() -> Iterator[None]:
    """Drop what scripts print inside the block (validation's runs on sample data)."""
    token = WHERE.set({"silent": True})
    try:
        yield
    finally:
        WHERE.reset(token)
