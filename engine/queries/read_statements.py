"""The read calls' statements (inbox page, task fetch, instance status).

Each is a DriverStatement: compiled once per dialect and, on SQLite when nothing watches
statements, sent straight to the driver's cursor (engine.sqlite_direct); SQLAlchemy's
execution around a one-row read cost about 45 us against the driver's 10-20. Rows are
read by position. Tested against the usual way row by row: tests/engine/test_read_statements.py.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import CompoundSelect, Select

from engine.driver_sql import DriverStatement


class ReadStatement(DriverStatement):
    """A read call's SELECT, compiled once per dialect; its `rows` are plain tuples when sent
    to SQLite's driver directly (engine.sqlite_direct)."""

    def __init__(self, statement: Select[Any] | CompoundSelect) -> None:
        super().__init__(statement)
