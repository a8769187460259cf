"""Core statements compiled once per dialect and sent as driver SQL.

A command sends the same few statements every time (engine.runtime.writes, task_rows,
tasks.lock_task). `Connection.execute` of a Core statement computes the statement's cache
key on every call, looks the compiled form up and builds an execution context around it;
for these small statements that cost two to three times the database's own work. Here
each statement is compiled once per dialect; a call converts its parameters with the
columns' own bind processors and sends the SQL with `Connection.exec_driver_sql`, so it
is still one statement of the Connection: its events fire (statement counts, the write
lock), its errors are raised as SQLAlchemy's, its transaction is the session's.

Rows a statement returns are converted with the columns' own result processors: what the
same statement executed as Core gives (tests/engine/test_driver_sql.py).

Not for everything: the statement must have only named parameters (no expanding IN lists:
give an IN list's values as `literal()`s), be the same SQL for every call, and name every
column that has a Python-side default (SQLAlchemy computes those for each execution).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, CursorResult
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ClauseElement

Processor = Callable[[Any], Any] | None


@dataclass(frozen=True, slots=True)
class _Form:
    """A statement as one dialect sends it."""

    sql: str
    positional: bool
    names: tuple[str, ...]  # parameters in the driver's order (a name once, if named)
    processors: tuple[Processor, ...]  # bind processor of each name
    constants: Mapping[str, Any]  # values of parameters the statement itself holds
    results: tuple[Processor, ...]  # result processor of each returned column


class DriverStatement:
    """`statement`, compiled once per dialect, executed as driver SQL."""

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self._forms: WeakKeyDictionary[Dialect, _Form] = WeakKeyDictionary()

    def execute(self, connection: Connection, params: Mapping[str, Any]
                ) -> CursorResult[Any]:
        """Send the statement with `params` (values by parameter name, unconverted)."""
        dialect = connection.dialect
        form = self._forms.get(dialect)
        if form is None:
            form = self._forms[dialect] = _compile(self.statement, dialect)
        if form.constants:
            params = {**form.constants, **params}
        values = [params[name] if processor is None else processor(params[name])
                  for name, processor in zip(form.names, form.processors, strict=True)]
        driver_params: Any = (tuple(values) if form.positional
                              else dict(zip(form.names, values, strict=True)))
        return connection.exec_driver_sql(form.sql, driver_params)

    def rows(self, connection: Connection, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """The rows the statement returns, each column's value as Core would give it."""
        result = self.execute(connection, params)
        results = self._forms[connection.dialect].results
        if not any(results):
            return [tuple(row) for row in result]
        return [tuple(value if processor is None else processor(value)
                      for value, processor in zip(row, results, strict=True))
                for row in result]


def _compile(statement: ClauseElement, dialect: Dialect) -> _Form:
    compiled: Any = statement.compile(dialect=dialect)
    if compiled.escaped_bind_names or compiled.post_compile_params \
            or compiled.literal_execute_params:
        raise ValueError("a driver statement takes plain named parameters only")
    if compiled.insert_prefetch or compiled.update_prefetch:
        raise ValueError("a driver statement computes no column defaults: give every value")
    binds = {name: bind for bind, name in compiled.bind_names.items()}
    positional = compiled.positiontup is not None
    names = tuple(compiled.positiontup) if positional else tuple(binds)
    constants = {name: bind.value for name, bind in binds.items()
                 if not bind.required and bind.callable is None}
    columns: Sequence[Any] = getattr(statement, "exported_columns", ())
    return _Form(
        sql=compiled.string,
        positional=positional,
        names=names,
        processors=tuple(_bind_processor(binds[name].type, dialect) for name in names),
        constants=constants,
        results=tuple(column.type.dialect_impl(dialect).result_processor(dialect, None)
                      for column in columns),
    )


def _bind_processor(type_: Any, dialect: Dialect) -> Processor:
    processor: Processor = type_.dialect_impl(dialect).bind_processor(dialect)
    return processor
