"""A command's human_task rows written in one statement: an upsert on the id.

A completion changes one row (completed) and adds the next: one round trip instead of an
UPDATE and an INSERT. Every column is given, so the database checks each row whole either
way; an existing id takes the row's new values, a new row gets its id from the database.
The rows are written under the instance's lock, which every writer of task rows holds, but
one: the first opening of a task (engine.runtime.tasks.note_opened) is written without it,
so an upsert keeps the stored `first_opened_at` when there is one (a column written without
the lock must be listed in KEPT_WHEN_SET).
SQLAlchemy does not cache the compiled form of dialect upserts (`ON CONFLICT`), and
compiling this one costs more than running it, so it is compiled once per dialect and
shape (which rows are new) and run in that compiled form (engine.driver_sql). The rows it
returns are put back onto the HumanTask objects directly: the changed rows' objects take
their stored values, the new rows become objects of the session as if loaded (an ORM
query over the statement cost more than the statement itself).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, inspect, literal_column, null
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from engine.db import is_postgres
from engine.driver_sql import DriverStatement
from engine.models import HumanTask
from engine.orm_rows import as_loaded

_TABLE = cast(Table, HumanTask.__table__)
_COLUMNS = list(_TABLE.columns)
_KEYS = tuple(c.key for c in _COLUMNS)
_MAPPER = inspect(HumanTask)
KEPT_WHEN_SET = ("first_opened_at",)


def write_rows(session: Session, changed: list[HumanTask], new: list[dict[str, Any]]
               ) -> list[HumanTask]:
    """Write `changed` rows and insert `new` ones (column values without an id); the rows
    as stored, the changed ones refreshed (no longer pending), in no particular order."""
    if not changed and not new:
        return []
    params: dict[str, Any] = {}
    for n, row in enumerate(changed):
        held = row.__dict__  # the loaded values; an expired one is loaded by getattr
        params.update({name: held[key] if key in held else getattr(row, key)
                       for key, name in _names(n, with_id=True)})
    for n, values in enumerate(new, start=len(changed)):
        params.update({name: values[key] for key, name in _names(n, with_id=False)})
    shape = (True,) * len(changed) + (False,) * len(new)
    statement = _upsert("postgresql" if is_postgres(session) else "sqlite", shape)
    with session.no_autoflush:  # the changed rows are written by this statement
        stored = statement.rows(session.connection(), params)
    return [_as_object(session, dict(zip(_KEYS, values, strict=True))) for values in stored]


@lru_cache(maxsize=256)
def _names(n: int, *, with_id: bool) -> tuple[tuple[str, str], ...]:
    """(column key, parameter name) of row `n` of the upsert (made once, not per call)."""
    return tuple((key, f"{key}_{n}") for key in _KEYS if with_id or key != "id")


def _as_object(session: Session, values: dict[str, Any]) -> HumanTask:
    """The session's object of the row `values` (made if it has none), holding `values` as
    stored and clean: what loading the row with populate_existing would give."""
    return cast(HumanTask, as_loaded(session, _MAPPER, values))


@lru_cache(maxsize=64)
def _upsert(dialect: str, shape: tuple[bool, ...]) -> DriverStatement:
    """The upsert for rows of `shape` (True: an existing row, False: a new one)."""
    postgres = dialect == "postgresql"
    insert = postgresql.insert if postgres else sqlite.insert
    new_id = literal_column("DEFAULT") if postgres else null()
    rows = [{c.key: bindparam(f"{c.key}_{n}", type_=c.type) if c.key != "id" or existing
             else new_id for c in _COLUMNS} for n, existing in enumerate(shape)]
    inserting = insert(_TABLE).values(rows)
    return DriverStatement(inserting.on_conflict_do_update(
        index_elements=[_TABLE.c.id],
        set_={c.key: func.coalesce(c, inserting.excluded[c.key]) if c.key in KEPT_WHEN_SET
              else inserting.excluded[c.key] for c in _COLUMNS if c.key != "id"},
    ).returning(*_COLUMNS))
