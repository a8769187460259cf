"""Which version of a process new instances start on (design.md invariant 3).

A deploy that stores a new version makes it current. A process owner may make any earlier
version current again (a broken version is reverted without a new deploy), and deploying
content identical to an earlier version does the same: "no change" must not leave a broken
newest version in charge. Running instances stay on the version they started with. Every
change of the current version is audited (`process_version_current`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Select, Table, and_, bindparam, func, or_, select
from sqlalchemy.orm import Session

from engine.audit import record
from engine.driver_sql import DriverStatement
from engine.errors import NotFound
from engine.models import ProcessCurrent, ProcessDefinition, User
from engine.orm_rows import as_loaded, loaded_columns


def current_definitions(session: Session, keys: Iterable[str] | None = None
                        ) -> list[ProcessDefinition]:
    """The current version of every process (or of those in `keys`), by key: the one a deploy
    or a process owner made current, else the newest (design.md invariant 3)."""
    newest = select(ProcessDefinition.key, func.max(ProcessDefinition.version).label("v"))
    if keys is not None:
        newest = newest.where(ProcessDefinition.key.in_(sorted(set(keys))))
    latest = newest.group_by(ProcessDefinition.key).subquery()
    chosen = ProcessCurrent.definition_id
    return list(session.scalars(
        select(ProcessDefinition)
        .join(latest, ProcessDefinition.key == latest.c.key)
        .outerjoin(ProcessCurrent, ProcessCurrent.key == ProcessDefinition.key)
        .where(or_(ProcessDefinition.id == chosen,
                   and_(chosen.is_(None), ProcessDefinition.version == latest.c.v)))
        .order_by(ProcessDefinition.key)))


_DEFINITION, _DEFINITION_COLUMNS, _ = loaded_columns(ProcessDefinition)  # a new object: no reset
_DEFINITION_KEYS = tuple(key for key, _ in _DEFINITION_COLUMNS)


def _current_of_key() -> Select[Any]:
    """current_definitions for one key (:key), as the columns a load of it reads."""
    definition = cast(Table, ProcessDefinition.__table__)
    current = cast(Table, ProcessCurrent.__table__)
    key = bindparam("key", type_=definition.c.key.type)
    newest = (select(func.max(definition.c.version)).where(definition.c.key == key)
              .correlate(None).scalar_subquery())
    return (
        select(*(column for _, column in _DEFINITION_COLUMNS))
        .select_from(definition.outerjoin(current, current.c.key == definition.c.key))
        .where(definition.c.key == key,
               or_(definition.c.id == current.c.definition_id,
                   and_(current.c.definition_id.is_(None), definition.c.version == newest)))
    )


# Every start reads it. Compiled once per dialect and read as a Core row (engine.driver_sql,
# engine.orm_rows): the ORM query (its statement's cache key, its loader) cost several times
# what SQLite took to answer it, ~10% of a start's CPU.
_CURRENT_OF_KEY = DriverStatement(_current_of_key())


def current_definition(session: Session, key: str) -> ProcessDefinition | None:
    """The version of process `key` new instances start on, if it is deployed: the
    session's object of that row, as the ORM query gives it."""
    if session.autoflush:  # as the ORM query did: pending changes are read back
        session.flush()
    rows = _CURRENT_OF_KEY.rows(session.connection(), {"key": key})
    if not rows:
        return None
    values = dict(zip(_DEFINITION_KEYS, rows[0], strict=True))
    known = session.identity_map.get(_DEFINITION.identity_key_from_primary_key((values["id"],)))
    if known is not None:  # the ORM query keeps a known object as it is: so does get()
        return session.get(ProcessDefinition, values["id"])
    return cast(ProcessDefinition, as_loaded(session, _DEFINITION, values))


def set_current(session: Session, definition: ProcessDefinition, *, actor: User | None,
                now: datetime, reason: str) -> bool:
    """Make `definition` its process's current version; False when it already was.

    `reason` is kept in the audit event: `chosen` (a process owner), `redeployed` (identical
    content deployed again), `deployed` (a new version; not audited apart from the deploy).
    """
    before = current_definition(session, definition.key)
    row = session.get(ProcessCurrent, definition.key)
    if row is None:
        row = ProcessCurrent(key=definition.key, definition_id=definition.id, chosen_at=now,
                             chosen_by_id=actor.id if actor else None)
        session.add(row)
    else:
        row.definition_id = definition.id
        row.chosen_at = now
        row.chosen_by_id = actor.id if actor else None
    session.flush()
    if before is not None and before.id == definition.id:
        return False
    if reason != "deployed":
        record(session, "process_version_current", at=now, actor=actor,
               process_key=definition.key,
               data={"version": definition.version, "reason": reason,
                     "previous": before.version if before else None})
    return True


def make_current(session: Session, key: str, version: int, *, actor: User | None,
                 now: datetime) -> tuple[ProcessDefinition, bool]:
    """Make version `version` of `key` current (NotFound if there is none); return it and
    whether that changed anything. The caller commits."""
    definition = session.scalars(select(ProcessDefinition).where(
        ProcessDefinition.key == key, ProcessDefinition.version == version)).first()
    if definition is None:
        raise NotFound(f"process {key!r} has no version {version}")
    return definition, set_current(session, definition, actor=actor, now=now, reason="chosen")
