"""Core statements compiled once per dialect, sent with less of SQLAlchemy's per-call work.

A command sends the same few statements every time (engine.runtime.writes, task_rows,
tasks.lock_task). `Connection.execute` of a Core statement computes the statement's cache
key on every call to find its compiled form, and builds an execution context around it;
for these small statements that cost two to three times the database's own work. Here
each statement is compiled once per dialect, and

- a statement that returns no rows is sent as driver SQL (`Connection.exec_driver_sql`),
  its parameters converted with the columns' own bind processors;
- a statement that returns rows is executed in its compiled form (`Connection.execute` of
  the `Compiled`): SQLAlchemy converts parameters and rows as for the Core statement and
  keeps the rows' description with the compiled form (driver SQL would describe the rows
  anew on every call, which cost more than the cache key saved).

Either way it is one statement of the Connection: its events fire (statement counts, the
write lock), its errors are raised as SQLAlchemy's, its transaction is the session's
(tests/engine/test_driver_sql.py).

Not for everything: a statement sent as driver SQL must have only named parameters (no
expanding IN lists: give an IN list's values as `literal()`s), be the same SQL for every
call, and name every column that has a Python-side default (SQLAlchemy computes those for
each execution).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, CursorResult, Row
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ClauseElement, Executable
from sqlalchemy.sql.compiler import Compiled

Processor = Callable[[Any], Any] | None


@dataclass(frozen=True, slots=True)
class _Form:
    """A statement as one dialect sends it."""

    sql: str
    positional: bool
    names: tuple[str, ...]  # parameters in the driver's order (a name once, if named)
    processors: tuple[Processor, ...]  # bind processor of each name
    constants: Mapping[str, Any]  # values of parameters the statement itself holds


class DriverStatement:
    """`statement`, compiled once per dialect."""

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self._forms: WeakKeyDictionary[Dialect, _Form] = WeakKeyDictionary()
        self._compiled: WeakKeyDictionary[Dialect, Compiled] = WeakKeyDictionary()

    def execute(self, connection: Connection, params: Mapping[str, Any]
                ) -> CursorResult[Any]:
        """Send the statement as driver SQL with `params` (values by parameter name, as
        given to the Core statement); for statements that return no rows."""
        form = self.form(connection.dialect)
        if form.constants:
            params = {**form.constants, **params}
        values = [params[name] if processor is None else processor(params[name])
                  for name, processor in zip(form.names, form.processors, strict=True)]
        driver_params: Any = (tuple(values) if form.positional
                              else dict(zip(form.names, values, strict=True)))
        return connection.exec_driver_sql(form.sql, driver_params)

    def form(self, dialect: Dialect) -> _Form:
        """The statement as `dialect`'s driver takes it (made once per dialect); ValueError
        when its parameters are not plain ones."""
        form = self._forms.get(dialect)
        if form is None:
            form = self._forms[dialect] = _driver_form(self.statement, dialect)
        return form

    def rows(self, connection: Connection, params: Mapping[str, Any]) -> Sequence[Row[Any]]:
        """Execute the statement's compiled form with `params`: the rows it returns, as the
        Core statement gives them."""
        dialect = connection.dialect
        compiled = self._compiled.get(dialect)
        if compiled is None:
            compiled = self._compiled[dialect] = self.statement.compile(dialect=dialect)
        return connection.execute(cast(Executable, compiled), params).all()


def _driver_form(statement: ClauseElement, dialect: Dialect) -> _Form:
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
    return _Form(
        sql=compiled.string,
        positional=positional,
        names=names,
        processors=tuple(_bind_processor(binds[name].type, dialect) for name in names),
        constants=constants,
    )


def _bind_processor(type_: Any, dialect: Dialect) -> Processor:
    processor: Processor = type_.dialect_impl(dialect).bind_processor(dialect)
    return processor
