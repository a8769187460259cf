"""A command's own rows written with pre-built Core statements instead of an ORM flush.

Every command on an instance ends with the same few writes: the instance row (its state,
status, wake-up time, version), the audit events it recorded and the notifications it
queued. The ORM's unit of work for these few objects (sorting mappers, diffing each object,
fetching back ids nobody reads) cost more than a third of a task completion's CPU. Here
they go out as one UPDATE checked against the instance's version, one INSERT of the audit
events and one of the notifications, the statements built once per shape.

What is written is what the flush would have written: the same rows, the same NUL check
(engine.db.refuse_nul_characters), the same optimistic version check (StaleDataError, a
Conflict for the caller, when the row's version moved). The instance is left clean and
current in the session, the audit events and notifications written leave the session
(nothing reads them back: the log is append-only and the relay reads its rows itself).
Anything else the command changed (a service's rows, a changed relationship) is left to
the ORM flush, as is an instance whose change this module does not know how to write.
"""

from __future__ import annotations

from functools import cache, lru_cache
from itertools import groupby
from operator import itemgetter
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, inspect, update
from sqlalchemy.orm import Mapper, Session
from sqlalchemy.orm.attributes import instance_state
from sqlalchemy.orm.exc import StaleDataError

from engine.db import refuse_nul_characters
from engine.driver_sql import DriverStatement
from engine.models import AuditEvent, Notification, ProcessInstance

_INSTANCE = cast(Table, ProcessInstance.__table__)
_INSTANCE_COLUMNS = frozenset(c.key for c in _INSTANCE.columns) - {"id", "version"}
_APPENDED = (AuditEvent, Notification)  # rows only ever inserted by a command
ROWS_PER_INSERT = 50  # new rows of one table and shape sent in one INSERT
# _insert_new takes them out of the session without expunge's cascade: there is none.
if any(cast(Mapper[Any], inspect(cls)).relationships for cls in _APPENDED):
    raise RuntimeError("an appended row class has a relationship: expunge would cascade")


def write_command(session: Session, instance: ProcessInstance) -> None:
    """Write the instance's changes and the session's new audit events and notifications.

    The instance is then registered as a flush registers it (a rollback expires it); the
    audit events and notifications written are no longer in the session.
    """
    new = [obj for obj in session.new if isinstance(obj, _APPENDED)]
    if not new and not session.is_modified(instance):
        return
    refuse_nul_characters(session, None, None)  # what the flush would check first
    with session.no_autoflush:
        _write_instance(session, instance)
        for cls in _APPENDED:
            _insert_new(session, cls, [obj for obj in new if isinstance(obj, cls)])


def insert_instance(session: Session, instance: ProcessInstance) -> None:
    """INSERT a new instance (built with its columns and relationships set) and make it an
    object of the session, clean, with its id: what `session.add` and a flush would do (a
    rollback takes it out of the session again).

    The columns it was not given are stored as the flush would store them (NULL, the version
    at 1), and held as such on the object, so reading them costs no query."""
    session.add(instance)  # cascades to its users and definition, as before
    refuse_nul_characters(session, None, None)
    values = inspect(instance).dict
    if values.get("version") is None:
        values["version"] = 1  # the optimistic lock's first version, as the flush sets it
    keys, row = _row(_INSTANCE, values)
    with session.no_autoflush:
        instance_id = _insert(_INSTANCE, keys, 1, returning_id=True).execute(
            session.connection(), row).scalar_one()
    for column in _INSTANCE.columns:
        values.setdefault(column.key, None)
    values["id"] = instance_id
    session._register_persistent({inspect(instance)})  # noqa: SLF001 - as a flush does


def _write_instance(session: Session, instance: ProcessInstance) -> None:
    state = instance_state(instance)
    if not state.persistent:
        return  # not yet inserted: the flush writes it
    changed = tuple(sorted(state.committed_state))
    if not changed or not _INSTANCE_COLUMNS.issuperset(changed):
        return  # nothing to write, or a relationship / the version: the flush writes it
    values = state.dict
    old_version = values.get("version")
    if old_version is None:
        return  # not loaded: the flush reads and checks it
    params: dict[str, Any] = {key: values.get(key) for key in changed}
    params.update(id_=instance.id, old_version_=old_version, new_version_=old_version + 1)
    result = _update_instance(changed).execute(session.connection(), params)
    if result.rowcount != 1:
        raise StaleDataError(f"process_instance {instance.id} was changed by someone else "
                             f"(expected version {old_version})")
    values["version"] = old_version + 1
    session._register_persistent({state})  # noqa: SLF001 - as a flush does


@lru_cache(maxsize=32)
def _update_instance(columns: tuple[str, ...]) -> DriverStatement:
    """UPDATE of `columns` of one instance row, at its expected version (version bumped)."""
    table = _INSTANCE
    return DriverStatement(
        update(table)
        .where(table.c.id == bindparam("id_"), table.c.version == bindparam("old_version_"))
        .values({**{key: bindparam(key, type_=table.c[key].type) for key in columns},
                 "version": bindparam("new_version_", type_=table.c.version.type)}))


def _insert_new(session: Session, cls: type[AuditEvent | Notification],
                objects: list[Any]) -> None:
    """INSERT the pending `objects` of `cls`, then take them out of the session."""
    if not objects:
        return
    table = cast(Table, cls.__table__)
    states = [instance_state(obj) for obj in objects]
    rows = [_row(table, state.dict) for state in states]
    connection = session.connection()
    # In the order they were added, a statement per run of rows setting the same columns (as
    # a flush batches them: ids keep that order).
    for keys, run in groupby(rows, key=itemgetter(0)):
        values = [row for _, row in run]
        for start in range(0, len(values), ROWS_PER_INSERT):
            chunk = values[start:start + ROWS_PER_INSERT]
            statement = _insert(table, keys, len(chunk))
            if len(chunk) == 1:
                statement.execute(connection, chunk[0])
            else:
                statement.execute(connection, {
                    name: row[key] for row, names in zip(chunk, _row_names(keys, len(chunk)),
                                                         strict=True)
                    for key, name in names})
    # As session.expunge for each, without its cascade walk: these classes have no
    # relationship to cascade along (checked once, at import).
    session._expunge_states(states)  # noqa: SLF001


def _row(table: Table, values: dict[str, Any]) -> tuple[tuple[str, ...], dict[str, Any]]:
    """The columns an INSERT of an object holding `values` sets, and their values: those
    the object holds, and the Python-side defaults of the others (as a flush computes them;
    a column with neither is left to the database: NULL, or its server default)."""
    keys: list[str] = []
    row: dict[str, Any] = {}
    for key, default in _insert_columns(table):
        if key in values:
            row[key] = values[key]
        elif default is not None:
            row[key] = default.arg(None) if default.is_callable else default.arg
        else:
            continue
        keys.append(key)
    return tuple(keys), row


@cache
def _insert_columns(table: Table) -> tuple[tuple[str, Any], ...]:
    """`table`'s columns an INSERT may set (all but the id), with their Python defaults."""
    defaults = []
    for column in table.columns:
        if column.key == "id":
            continue
        default = column.default
        if default is not None and not (default.is_scalar or default.is_callable):
            raise RuntimeError(f"{table.name}.{column.key}: a default written only by a flush")
        defaults.append((column.key, default))
    return tuple(defaults)


@lru_cache(maxsize=64)
def _row_names(keys: tuple[str, ...], count: int) -> tuple[tuple[tuple[str, str], ...], ...]:
    """(column key, parameter name) of each of `count` rows of an INSERT setting `keys`
    (named once, not per row and call)."""
    return tuple(tuple((key, f"{key}_{n}") for key in keys) for n in range(count))


@lru_cache(maxsize=64)
def _insert(table: Table, keys: tuple[str, ...], count: int, returning_id: bool = False
            ) -> DriverStatement:
    """INSERT of `count` rows setting `keys` into `table` (built once per shape), with the
    new id back if asked; one row's parameters are named by key, several rows' `key_n`."""
    if count == 1:
        rows = {key: bindparam(key, type_=table.c[key].type) for key in keys}
        statement = insert(table).values(rows)
    else:
        statement = insert(table).values([
            {key: bindparam(f"{key}_{n}", type_=table.c[key].type) for key in keys}
            for n in range(count)])
    return DriverStatement(statement.returning(table.c.id) if returning_id else statement)
