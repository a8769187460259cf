"""Objects of mapped classes for rows a command writes or reads with Core statements, made
as the ORM itself makes them: on the hot path the ORM's constructor, flush and loader cost
more than the statements (engine.runtime.writes, task_rows, tasks.lock_task).

These use the session's and the instance state's private parts exactly as SQLAlchemy's own
loader does; a SQLAlchemy upgrade re-runs tests/engine/test_task_rows.py,
test_command_writes.py and test_audit_outbox.py.
"""

from __future__ import annotations

from typing import Any, TypeVar, cast

from sqlalchemy import inspect
from sqlalchemy.orm import Mapper, Session
from sqlalchemy.orm.attributes import instance_state

T = TypeVar("T")


def new_row(cls: type[T], values: dict[str, Any]) -> T:
    """A new (transient) object of the mapped `cls` holding the column `values`: what
    `cls(**values)` makes, without a per-attribute event for each value (a command adds a
    few of these; the ORM constructor was a visible share of its CPU). Only for classes
    whose columns have no validators or events on set, and only column keys in `values`."""
    mapper = cast(Mapper[Any], inspect(cls))
    obj: T = mapper.class_manager.new_instance()
    obj.__dict__.update(values)
    return obj


def loaded_columns(cls: type[Any]) -> tuple[Mapper[Any], list[tuple[str, Any]], tuple[str, ...]]:
    """`cls`'s mapper, its (attribute key, column) pairs a load reads (deferred ones
    aside), and the attributes such a load with populate_existing drops from an object it
    refreshes (relationships and deferred columns)."""
    mapper = cast(Mapper[Any], inspect(cls))
    columns = [(prop.key, prop.columns[0]) for prop in mapper.column_attrs if not prop.deferred]
    reset = tuple(prop.key for prop in mapper.column_attrs if prop.deferred) + tuple(
        rel.key for rel in mapper.relationships)
    return mapper, columns, reset


def as_loaded(session: Session, mapper: Mapper[Any], values: dict[str, Any],
              reset: tuple[str, ...] = (), *, key: str = "id") -> Any:
    """The session's object of `mapper`'s row `values` (made if it has none), holding
    `values` as stored and clean: what loading the row with populate_existing gives. `reset`:
    the attributes such a load would drop from an object it refreshes, so that they load
    again when read (its lazy relationships and deferred columns). `key`: the attribute
    holding the primary key (one column)."""
    identity = mapper.identity_key_from_primary_key((values[key],))
    identity_map = session.identity_map
    known = identity_map.get(identity)
    if known is not None:  # a changed row (or one left in the session by a rollback)
        state = instance_state(known)
        for key in reset:
            state._reset(state.dict, key)  # noqa: SLF001 - as populate_existing does
        state.dict.update(values)
        state._commit_all(state.dict, identity_map)  # noqa: SLF001 - as a refresh
        return known
    # As the ORM's loader makes a loaded object (sqlalchemy.orm.loading._instance): in the
    # identity map at once, without session.add's cascade over its relationships.
    created = mapper.class_manager.new_instance()
    state = instance_state(created)
    state.dict.update(values)
    state.key, state.identity_token = identity, identity[2]
    state.session_id = session.hash_key
    identity_map._add_unpresent(state, identity)  # noqa: SLF001
    state._commit_all(state.dict, identity_map)  # noqa: SLF001
    return created
