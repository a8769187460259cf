"""Tasks as the read calls answer them: plain records read with SQLAlchemy Core.

The inbox, the task fetch and the instance status only show tasks; they never change them.
Loading HumanTask objects for them (identity map, instance state, lazy-loader setup per
row) cost more than the statements that read them, so these calls select the columns they
show, with the assignee's user name joined in, and get `TaskRecord`s: read-only, and with
the attributes of HumanTask that the pages and replies read, so that templates written for
either work with both.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple, cast

from sqlalchemy import ColumnElement, Connection, Dialect, Table, type_coerce
from sqlalchemy.orm import Session

from engine.db import Reading
from engine.models import OPEN_TASK_STATES, HumanTask, User

from .read_types import QuickJSON

TASK: Table = HumanTask.__table__  # type: ignore[assignment]
# The assignee's row, to join for their user name: `ASSIGNEE.c.username`.
ASSIGNEE = User.__table__.alias("assignee")


class MostlyNullJSON(QuickJSON):
    """A JSON column (JSONDocument) that mostly holds JSON null (a task's notices, an
    instance's error), read without decoding the nulls.

    On SQLite a JSON value is text, and SQLAlchemy decodes each through two wrappers and
    json.loads, `null` included: a tenth of an inbox page's CPU went to its rows' notices.
    Here the text `null` is None without that (what json.loads makes of it), any other
    text is decoded as QuickJSON decodes it (in one scan on SQLite).
    PostgreSQL's driver decodes JSONB itself:
    nothing changes there (tests/engine/test_reading.py).
    """

    cache_ok = True

    def result_processor(self, dialect: Dialect, coltype: Any) -> Any:
        decode = super().result_processor(dialect, coltype)  # QuickJSON's
        if decode is None:
            return None

        def process(value: Any) -> Any:
            if value is None or value == "null":
                return None
            return decode(value)

        return process


def mostly_null(column: ColumnElement[Any]) -> ColumnElement[Any]:
    """`column` (JSONDocument) read as MostlyNullJSON: the same SQL, under its own name."""
    return type_coerce(column, MostlyNullJSON()).label(column.name)


# The columns of a record, in its fields' order (`TaskRecord.of` reads them by position);
# notices decoded as engine.queries.read_types does.
TASK_COLUMNS: tuple[ColumnElement[Any], ...] = (*(
    TASK.c[name] for name in (
        "id", "instance_id", "process_key", "bpmn_id", "name", "name_en", "role", "state",
        "assignee_id", "customer_name", "form_key", "created_at", "due_at", "completed_at",
        "completed_by_id")), mostly_null(TASK.c.notices))


_RECORD_LENGTH = len(TASK_COLUMNS) + 1  # and the assignee's name

# What the read calls read with: a request's Session, or a Reading (a bare connection, no
# Session unless a check asks for one: engine.db.Reading).
Reads = Session | Reading


def reading(source: Reads) -> Connection:
    """The connection for a Core read: a Reading's own, or the session's, its pending changes
    flushed first as its own queries would (autoflush): a caller that added rows sees them."""
    if type(source) is Reading:
        return source.connection()
    session = cast(Session, source)
    if session.autoflush:
        session.flush()  # nothing to do, and next to nothing spent, in a reading request
    return session.connection()


def orm(source: Reads) -> Session:
    """The Session to read ORM objects with (a Reading's, on its connection, made then)."""
    return source.session() if type(source) is Reading else cast(Session, source)


class TaskRecord(NamedTuple):
    """One human_task row as read, with its assignee's user name. A named tuple: made from
    the row's values in one call (a frozen dataclass set its 17 fields one by one, ~4 us a
    record, 0.2 ms for a page of 50); its fields are read by name only."""

    id: int
    instance_id: int
    process_key: str
    bpmn_id: str
    name: str
    name_en: str
    role: str
    state: str
    assignee_id: int | None
    customer_name: str | None
    form_key: str | None
    created_at: datetime
    due_at: datetime | None
    completed_at: datetime | None
    completed_by_id: int | None
    notices: list[Any] | None
    assignee_name: str | None

    @classmethod
    def of(cls, row: Any, start: int = 0) -> TaskRecord:
        """The record of a row holding TASK_COLUMNS from `start` on, then the user name."""
        return cls._make(row[start:start + _RECORD_LENGTH])

    @property
    def is_open(self) -> bool:
        """Whether the task still waits for someone."""
        return self.state in OPEN_TASK_STATES
