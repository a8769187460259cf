"""What the library page lists: each process's versions with who deployed them and usage."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.errors import NotFound
from engine.models import ProcessDefinition, ProcessInstance


@dataclass(frozen=True)
class VersionRow:
    """One version of a process as the library shows it."""

    definition: ProcessDefinition
    running: int


def library(session: Session) -> dict[str, list[VersionRow]]:
    """Every process key -> its versions, newest first, with running instance counts."""
    counts = dict(session.execute(
        select(ProcessInstance.definition_id, func.count())
        .where(ProcessInstance.status == "running").group_by(ProcessInstance.definition_id)
    ).tuples().all())
    rows: dict[str, list[VersionRow]] = {}
    for definition in session.scalars(select(ProcessDefinition).order_by(
            ProcessDefinition.key, ProcessDefinition.version.desc())):
        rows.setdefault(definition.key, []).append(
            VersionRow(definition, counts.get(definition.id, 0)))
    return rows


def get_version(session: Session, key: str, version: int | None = None) -> ProcessDefinition:
    """Version `version` of process `key` (the newest when None); NotFound otherwise."""
    query = select(ProcessDefinition).where(ProcessDefinition.key == key)
    if version is None:
        query = query.order_by(ProcessDefinition.version.desc()).limit(1)
    else:
        query = query.where(ProcessDefinition.version == version)
    found = session.scalars(query).first()
    if found is None:
        raise NotFound(f"process {key!r} has no such version")
    return found


def previous_version(session: Session, key: str, before: int) -> ProcessDefinition | None:
    """The newest version of `key` older than `before`, if any."""
    return session.scalars(select(ProcessDefinition).where(
        ProcessDefinition.key == key, ProcessDefinition.version < before)
        .order_by(ProcessDefinition.version.desc()).limit(1)).first()
