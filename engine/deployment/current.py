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

from sqlalchemy import and_, bindparam, func, or_, select
from sqlalchemy.orm import Session

from engine.audit import record
from engine.errors import NotFound
from engine.models import ProcessCurrent, ProcessDefinition, User


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


# current_definitions for one key, built once: every start reads it, and building the
# statement cost more than running it.
_CURRENT_OF_KEY = (
    select(ProcessDefinition)
    .outerjoin(ProcessCurrent, ProcessCurrent.key == ProcessDefinition.key)
    .where(ProcessDefinition.key == bindparam("key"),
           or_(ProcessDefinition.id == ProcessCurrent.definition_id,
               and_(ProcessCurrent.definition_id.is_(None),
                    ProcessDefinition.version == select(func.max(ProcessDefinition.version))
                    .where(ProcessDefinition.key == bindparam("key"))
                    .correlate(None).scalar_subquery())))
)


def current_definition(session: Session, key: str) -> ProcessDefinition | None:
    """The version of process `key` new instances start on, if it is deployed."""
    return session.scalars(_CURRENT_OF_KEY, {"key": key}).first()


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
