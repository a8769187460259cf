"""The read calls' statements (inbox page, task fetch, instance status), sent on SQLite
straight to the driver's cursor when nothing watches statements.

Even in its compiled form (engine.driver_sql) a statement executed by SQLAlchemy costs
about 45 us of Python around the driver's own 10-20 us: execution options, an execution
context, parameter processing, the statement events, a result object and a Row per row.
A read call's statement on SQLite needs none of it when no listener is registered for the
statement events (SQLAlchemy would call nobody): its parameters are converted by their
binds' own processors (as DriverStatement.execute does), the driver runs it on the
connection's own DBAPI connection, in the connection's transaction, and each value is
converted by its column type's own result processor. Rows are plain tuples (read by
position, as the callers read Rows).

Everything else goes the usual way (`DriverStatement.rows`): PostgreSQL, a connection with
a statement listener (the statement counts of the tests, any instrumentation), one not in
a transaction yet (SQLAlchemy begins it), an invalidated or closed one, execution options
that change the SQL, and any error of the driver, on which the statement is sent again the
usual way so that SQLAlchemy raises it as it does (wrapped, a broken connection
invalidated). Tested against the usual way row by row: tests/engine/test_read_statements.py.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast
from weakref import WeakKeyDictionary

from sqlalchemy import CompoundSelect, Connection, Row, Select
from sqlalchemy.engine import Dialect

from engine.driver_sql import DriverStatement

Processor = Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class _Lean:
    """A statement as the driver takes it on one dialect, with its columns' processors."""

    sql: str
    names: tuple[str, ...]  # positional parameters, in order
    binds: tuple[Processor | None, ...]  # each one's bind processor
    constants: Mapping[str, Any]  # values the statement itself holds
    converted: tuple[tuple[int, Processor], ...]  # (column position, result processor)


# Statement events whose listeners must see every statement: with any, the usual way.
# (handle_error sees errors, which go the usual way anyway.)
_WATCHED = ("before_execute", "after_execute", "before_cursor_execute",
            "after_cursor_execute")


class ReadStatement(DriverStatement):
    """A read call's SELECT, compiled once per dialect, sent to SQLite's driver directly
    when nothing watches (module docstring); `rows` answers as `DriverStatement.rows`."""

    def __init__(self, statement: Select[Any] | CompoundSelect) -> None:
        super().__init__(statement)
        self._lean: WeakKeyDictionary[Dialect, _Lean | None] = WeakKeyDictionary()

    def rows(self, connection: Connection, params: Mapping[str, Any]
             ) -> Sequence[Row[Any]]:
        """The statement's rows with `params` (tuples when sent to the driver directly)."""
        dialect = connection.dialect
        try:
            lean = self._lean[dialect]
        except KeyError:
            lean = self._lean[dialect] = _lean_form(self, dialect)
        if lean is None or not _unwatched(connection):
            return super().rows(connection, params)
        if lean.constants:
            params = {**lean.constants, **params}
        values = tuple(params[name] if bind is None else bind(params[name])
                       for name, bind in zip(lean.names, lean.binds, strict=True))
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(lean.sql, values)
            found = cursor.fetchall()
        except dialect.loaded_dbapi.Error:
            return super().rows(connection, params)  # raised (or answered) the usual way
        finally:
            cursor.close()
        if not lean.converted:
            return found
        rows = []
        for row in found:
            values_ = list(row)
            for position, process in lean.converted:
                values_[position] = process(values_[position])
            rows.append(tuple(values_))
        return rows  # type: ignore[return-value]


def _unwatched(connection: Connection) -> bool:
    """Whether SQLAlchemy would do nothing around a statement on `connection` but send it:
    in its transaction, valid, no statement listener, no option that changes the SQL."""
    if not connection.in_transaction() or connection.invalidated or connection.closed:
        return False
    dispatch = connection.dispatch
    if any(getattr(dispatch, name) for name in _WATCHED):
        return False
    if connection.dialect.dispatch.do_execute:
        return False
    return "schema_translate_map" not in connection.get_execution_options()


def _lean_form(read: ReadStatement, dialect: Dialect) -> _Lean | None:
    """The driver's form of `read` on SQLite's pysqlite driver; None elsewhere, or when its
    parameters are not plain ones (DriverStatement's rules)."""
    if dialect.name != "sqlite" or dialect.driver != "pysqlite":
        return None
    try:
        form = read.form(dialect)
    except ValueError:
        return None
    if not form.positional:
        return None
    converted = []
    for position, column in enumerate(cast(Select[Any], read.statement).selected_columns):
        process = column.type.dialect_impl(dialect).result_processor(dialect, None)
        if process is not None:
            converted.append((position, process))
    return _Lean(form.sql, form.names, form.processors, form.constants, tuple(converted))
