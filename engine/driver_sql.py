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

On PostgreSQL, and on SQLite whenever something watches statements (a listener, a driver
hook, logging), either is one statement of the Connection: its events fire (statement
counts, the write lock), its errors are raised as SQLAlchemy's, its transaction is the
session's. On SQLite's pysqlite when nothing watches, both go straight to the driver's
cursor (engine.sqlite_direct), with the same rows, errors and transaction: `execute` then
answers with what its callers read of a CursorResult (`rowcount`, `scalar_one()`), `rows`
with plain tuples converted by the columns' own result processors
(tests/engine/test_driver_sql.py runs each case both ways).

Not for everything: a statement sent as driver SQL must have only named parameters (no
expanding IN lists: give an IN list's values as `literal()`s), be the same SQL for every
call, and name every column that has a Python-side default (SQLAlchemy computes those for
each execution).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, cast
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, Row
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ClauseElement, Executable
from sqlalchemy.sql.compiler import Compiled

from engine.sqlite_direct import converted, send, unwatched

Processor = Callable[[Any], Any] | None


class WriteResult(Protocol):
    """What callers read of `DriverStatement.execute`'s answer (a CursorResult, or
    engine.sqlite_direct.Written)."""

    @property
    def rowcount(self) -> int: ...

    def scalar_one(self) -> Any: ...


@dataclass(frozen=True, slots=True)
class _Form:
    """A statement as one dialect sends it."""

    sql: str
    positional: bool
    names: tuple[str, ...]  # parameters in the driver's order (a name once, if named)
    processors: tuple[Processor, ...]  # bind processor of each name
    constants: Mapping[str, Any]  # values of parameters the statement itself holds
    direct: bool  # sent to the driver directly when nothing watches (engine.sqlite_direct)
    results: tuple[tuple[int, Callable[[Any], Any]], ...]  # (column position, result processor)

    def values(self, params: Mapping[str, Any]) -> tuple[Any, ...]:
        """The driver's values of `params`, in its order, converted by the binds."""
        if self.constants:
            params = {**self.constants, **params}
        return tuple(params[name] if processor is None else processor(params[name])
                     for name, processor in zip(self.names, self.processors, strict=True))


class DriverStatement:
    """`statement`, compiled once per dialect."""

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self._forms: WeakKeyDictionary[Dialect, _Form] = WeakKeyDictionary()
        self._direct: WeakKeyDictionary[Dialect, _Form | None] = WeakKeyDictionary()
        self._compiled: WeakKeyDictionary[Dialect, Compiled] = WeakKeyDictionary()

    def execute(self, connection: Connection, params: Mapping[str, Any]) -> WriteResult:
        """Send the statement as driver SQL with `params` (values by parameter name, as
        given to the Core statement); for statements that return no rows (or only values
        read raw, as a RETURNING id)."""
        form = self.form(connection.dialect)
        values = form.values(params)
        if form.direct and unwatched(connection):
            return send(connection, form.sql, values)
        driver_params: Any = (values if form.positional
                              else dict(zip(form.names, values, strict=True)))
        return connection.exec_driver_sql(form.sql, driver_params)

    def form(self, dialect: Dialect) -> _Form:
        """The statement as `dialect`'s driver takes it (made once per dialect); ValueError
        when its parameters are not plain ones."""
        form = self._forms.get(dialect)
        if form is None:
            form = self._forms[dialect] = _driver_form(self.statement, dialect)
        return form

    def rows(self, connection: Connection, params: Mapping[str, Any]
             ) -> Sequence[Sequence[Any]]:
        """Execute the statement's compiled form with `params`: the rows it returns, as the
        Core statement gives them (plain tuples when sent to the driver directly)."""
        dialect = connection.dialect
        try:
            direct = self._direct[dialect]
        except KeyError:
            direct = self._direct[dialect] = self._direct_form(dialect)
        if direct is not None and unwatched(connection):
            try:
                values = direct.values(params)
            except Exception:  # noqa: BLE001 - raised the usual way (a StatementError)
                return self._executed(connection, params)
            return converted(send(connection, direct.sql, values).rows, direct.results)
        return self._executed(connection, params)

    def _direct_form(self, dialect: Dialect) -> _Form | None:
        """The form `rows` sends directly on `dialect`, if it can."""
        try:
            form = self.form(dialect)
        except ValueError:
            return None
        return form if form.direct else None

    def _executed(self, connection: Connection, params: Mapping[str, Any]
                  ) -> Sequence[Row[Any]]:
        """The rows of the compiled form executed by SQLAlchemy."""
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
    direct = positional and dialect.name == "sqlite" and dialect.driver == "pysqlite"
    return _Form(
        sql=compiled.string,
        positional=positional,
        names=names,
        processors=tuple(_bind_processor(binds[name].type, dialect) for name in names),
        constants=constants,
        direct=direct,
        results=_result_processors(compiled, dialect) if direct else (),
    )


def _bind_processor(type_: Any, dialect: Dialect) -> Processor:
    processor: Processor = type_.dialect_impl(dialect).bind_processor(dialect)
    return processor


def _result_processors(compiled: Any, dialect: Dialect
                       ) -> tuple[tuple[int, Callable[[Any], Any]], ...]:
    """(position, result processor) of each returned column that has one: the columns and
    types SQLAlchemy converts a compiled form's rows by (its result columns, in order; the
    driver describes no types on SQLite)."""
    found = []
    for position, column in enumerate(compiled._result_columns or ()):  # noqa: SLF001
        process = column.type.dialect_impl(dialect).result_processor(dialect, None)
        if process is not None:
            found.append((position, process))
    return tuple(found)
