"""engine.bpmn.quiet_logs: SpiffWorkflow's log lines are the same lines with the same fields
when its loggers write them, and cost nothing when they do not."""

from __future__ import annotations

import itertools
import logging
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from process_runs import RUNS, run_through
from SpiffWorkflow import Workflow
from SpiffWorkflow.task import Task

from engine.bpmn import quiet_logs
from engine.clock import MovableClock

_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "taskName"}


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[tuple[str, int, str, dict[str, Any]]] = []

    def emit(self, record: logging.LogRecord) -> None:
        extra = {k: v for k, v in vars(record).items() if k not in _STANDARD}
        self.lines.append((record.name, record.levelno, record.getMessage(), extra))


@contextmanager
def _spiff_level(level: int) -> Iterator[None]:
    spiff = logging.getLogger("spiff")
    before = spiff.level
    spiff.setLevel(level)  # clears the loggers' cached answers, as setting `level` would not
    try:
        yield
    finally:
        spiff.setLevel(before)


def _run(key: str, level: int, monkeypatch: pytest.MonkeyPatch, *, spiffs_own: bool
         ) -> list[tuple[str, int, str, dict[str, Any]]]:
    """Run `key` to its end with task ids and clock made repeatable; the spiff lines."""
    ids = (uuid.UUID(int=n) for n in itertools.count(1))
    ticks = itertools.count(1_000_000)
    monkeypatch.setattr("SpiffWorkflow.task.uuid4", lambda: next(ids))
    monkeypatch.setattr(time, "time", lambda: float(next(ticks)))
    start = MovableClock(datetime(2026, 5, 1, 9, tzinfo=UTC))
    monkeypatch.setattr("process_runs.MovableClock", lambda: start)
    if spiffs_own:
        monkeypatch.setattr(Task, "_set_state", quiet_logs.SPIFF_SET_STATE)
        monkeypatch.setattr(Workflow, "collect_log_extras", quiet_logs.SPIFF_WORKFLOW_EXTRAS)
    handler = _Lines()
    spiff = logging.getLogger("spiff")
    spiff.addHandler(handler)
    try:
        with _spiff_level(level):
            run_through(key, lambda workflow: None)
    finally:
        spiff.removeHandler(handler)
        monkeypatch.undo()
    return handler.lines


@pytest.mark.parametrize("key", ["approval", "parallel", "call_parent"])
@pytest.mark.parametrize("level", [logging.DEBUG, logging.INFO])
def test_written_lines_are_spiffworkflows_own(key, level, monkeypatch):
    assert key in RUNS
    ours = _run(key, level, monkeypatch, spiffs_own=False)
    theirs = _run(key, level, monkeypatch, spiffs_own=True)
    assert ours == theirs
    assert any(message.startswith("State changed to") for _, _, message, _ in ours)
    assert any(message == "Workflow completed" and "tasks" in extra
               for _, _, message, extra in ours)


def test_dropped_lines_are_not_built(monkeypatch):
    built: list[str] = []
    task_extras, workflow_extras = Task.collect_log_extras, quiet_logs.SPIFF_WORKFLOW_EXTRAS

    def count_task(self: Task, dct: dict[str, Any] | None = None) -> dict[str, Any]:
        built.append("task")
        return task_extras(self, dct)

    def count_workflow(self: Workflow, dct: dict[str, Any] | None = None) -> dict[str, Any]:
        built.append("workflow")
        return workflow_extras(self, dct)  # type: ignore[no-any-return]

    monkeypatch.setattr(Task, "collect_log_extras", count_task)
    monkeypatch.setattr(quiet_logs, "SPIFF_WORKFLOW_EXTRAS", count_workflow)
    with _spiff_level(logging.WARNING):
        workflow = run_through("approval", lambda workflow: None)
    assert workflow.is_completed()
    assert built == []
