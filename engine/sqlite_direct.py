"""A statement sent on SQLite straight to the driver's cursor when nothing watches statements
(engine.driver_sql.DriverStatement on pysqlite).

Even in its compiled form a statement executed by SQLAlchemy costs 40-50 us of Python around
the driver's own 10-20 us: execution options, an execution context, parameter processing,
the statement events, a result object and a Row per row. On a connection where SQLAlchemy
would call nobody around the statement (`unwatched`: in its transaction, valid, no
statement listener, no logging, no option that changes the SQL) none of that is needed: the
statement's parameters are converted by their binds' own processors (by the caller), the
driver runs it on the connection's own DBAPI connection, in the connection's transaction,
and each returned value is converted by its column type's own result processor. Rows are
plain tuples (read by position, as callers read Rows); a statement that returns no rows
answers with its row count (`Written`, what callers read of a CursorResult).

A driver error is handed to SQLAlchemy's own handler of driver errors, the very function the
usual path calls at that point, so it is raised as it is raised there (wrapped with the
statement and its parameters; a broken connection invalidated; handle_error listeners
called), and the statement is not sent again: SQLite has undone a failed statement itself,
and the transaction and savepoints are left as the usual path leaves them, since the driver
did exactly what it does on the usual path (tests/engine/test_driver_sql.py compares both).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from sqlalchemy import Connection, exc

Processor = Callable[[Any], Any]

# Statement events whose listeners must see every statement: with any, the usual way.
# (handle_error listeners are called here as on the usual path.)
_WATCHED = ("before_execute", "after_execute", "before_cursor_execute",
            "after_cursor_execute")


class Written:
    """What a statement sent directly answers: its row count and the rows it returned (raw
    driver values, as `Connection.exec_driver_sql` gives them)."""

    __slots__ = ("rowcount", "rows")

    def __init__(self, rowcount: int, rows: Sequence[tuple[Any, ...]]) -> None:
        self.rowcount = rowcount
        self.rows = rows

    def scalar_one(self) -> Any:
        """The one returned row's first value; raised as `CursorResult.scalar_one` raises."""
        if not self.rows:
            raise exc.NoResultFound("No row was found when one was required")
        if len(self.rows) > 1:
            raise exc.MultipleResultsFound(
                "Multiple rows were found when exactly one was required")
        return self.rows[0][0]


def unwatched(connection: Connection, *, beginning: bool = False) -> bool:
    """Whether SQLAlchemy would do nothing around a statement on `connection` but send it:
    in its transaction (or `beginning` it: the BEGIN sent from the `begin` event, before
    SQLAlchemy counts the transaction as begun), valid, no statement listener, no logging,
    no option that changes the SQL."""
    if not (beginning or connection.in_transaction()) or connection.invalidated \
            or connection.closed:
        return False
    # The connection's own listeners only when it has any (its dispatch, joined with the
    # engine's, makes a listener collection per event name on first asking: a fresh
    # connection per request paid ~14 us for that); the engine's always (made once).
    if connection._has_events and _watching(connection.dispatch):  # noqa: SLF001
        return False
    if _watching(connection.engine.dispatch):
        return False
    if connection.dialect.dispatch.do_execute or connection._echo:  # noqa: SLF001
        return False
    return "schema_translate_map" not in connection.get_execution_options()


def _watching(dispatch: Any) -> bool:
    return any(getattr(dispatch, name) for name in _WATCHED)


def send_plain(connection: Connection, sql: str, *, beginning: bool = False) -> None:
    """Send `sql`, a statement without parameters or rows (BEGIN, SAVEPOINT, RELEASE), on
    SQLite's driver when `unwatched`, else through `Connection.exec_driver_sql`: SQLAlchemy
    executes even these with the whole of its statement machinery."""
    if connection.dialect.driver == "pysqlite" and unwatched(connection, beginning=beginning):
        send(connection, sql, ())
    else:
        connection.exec_driver_sql(sql)


def send(connection: Connection, sql: str, values: tuple[Any, ...]) -> Written:
    """Run `sql` with `values` on the driver's cursor of `connection` (`unwatched`): its row
    count and all the rows it returns, unconverted."""
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        try:
            cursor.execute(sql, values)
        except BaseException as error:
            if isinstance(error, connection.dialect.loaded_dbapi.Error):
                _raise(connection, error, sql, values, cursor)
            _raise(connection, error, None, None, cursor)  # as is, as with a context
        try:
            rows = cursor.fetchall() if cursor.description is not None else []
        except BaseException as error:
            _raise(connection, error, None, None, cursor)  # as a Result's fetch raises it
        return Written(cursor.rowcount, rows)
    finally:
        cursor.close()


def converted(rows: Sequence[tuple[Any, ...]], processors: tuple[tuple[int, Processor], ...]
              ) -> Sequence[tuple[Any, ...]]:
    """`rows` with the value at each position converted by that position's processor."""
    if not processors:
        return rows
    result = []
    for row in rows:
        values = list(row)
        for position, process in processors:
            values[position] = process(values[position])
        result.append(tuple(values))
    return result


def _raise(connection: Connection, error: BaseException, sql: str | None,
           values: tuple[Any, ...] | None, cursor: Any) -> NoReturn:
    """Raise `error` as SQLAlchemy raises it from the same driver call, by its own handler:
    a driver error of the statement wrapped with `sql` and `values`, anything else as it
    is; a disconnect (or an interrupt) invalidates the connection; handle_error listeners
    are called."""
    connection._handle_dbapi_exception(error, sql, values, cursor, None)  # noqa: SLF001
