"""Deployed processes: the current and newest version of each, every version, and who may
start what."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from engine.deployment.current import current_definition as current_definition
from engine.deployment.current import current_definitions as current_definitions
from engine.errors import NotFound
from engine.models import InstanceStatus, ProcessDefinition, ProcessInstance, User
from engine.runtime.access import may_start
from engine.runtime.version_migration import MOVABLE_STATUSES, MigrationCheck, check_instance

if TYPE_CHECKING:
    from engine.workflow_engine import WorkflowEngine


def newest_definitions(session: Session, keys: Iterable[str] | None = None
                       ) -> list[ProcessDefinition]:
    """The newest deployed version of every process (or of those in `keys`), by key."""
    newest = select(ProcessDefinition.key, func.max(ProcessDefinition.version).label("v"))
    if keys is not None:
        newest = newest.where(ProcessDefinition.key.in_(sorted(set(keys))))
    latest = newest.group_by(ProcessDefinition.key).subquery()
    return list(session.scalars(
        select(ProcessDefinition).join(latest, (ProcessDefinition.key == latest.c.key)
                                       & (ProcessDefinition.version == latest.c.v))
        .order_by(ProcessDefinition.key)))


def process_names(session: Session, keys: Iterable[str]) -> dict[str, tuple[str, str]]:
    """Process key -> (Chinese, English) name of its newest version, for the keys deployed."""
    return {d.key: (d.name, d.name_en) for d in newest_definitions(session, keys)}


def newest_definition(session: Session, key: str) -> ProcessDefinition | None:
    """The newest deployed version of process `key`, if it is deployed."""
    return session.scalars(select(ProcessDefinition).where(ProcessDefinition.key == key)
                           .order_by(ProcessDefinition.version.desc()).limit(1)).first()


def current_version(session: Session, key: str) -> int | None:
    """The number of the current version of `key`, if it is deployed."""
    found = current_definition(session, key)
    return found.version if found else None


def get_version(session: Session, key: str, version: int | None = None) -> ProcessDefinition:
    """Version `version` of process `key` (the newest when None); NotFound otherwise."""
    if version is None:
        found = newest_definition(session, key)
    else:
        found = session.scalars(select(ProcessDefinition).where(
            ProcessDefinition.key == key, ProcessDefinition.version == version)).first()
    if found is None:
        raise NotFound(f"process {key!r} has no such version")
    return found


def previous_version(session: Session, key: str, before: int) -> ProcessDefinition | None:
    """The newest version of `key` older than `before`, if any."""
    return session.scalars(select(ProcessDefinition).where(
        ProcessDefinition.key == key, ProcessDefinition.version < before)
        .order_by(ProcessDefinition.version.desc()).limit(1)).first()


@dataclass(frozen=True)
class ProcessChoice:
    """The current version of a process, and whether the user may start it."""

    definition: ProcessDefinition
    may_start: bool


def process_choices(session: Session, user: User) -> list[ProcessChoice]:
    """Every deployed process (its current version), by key, with whether `user` may start it."""
    return [ProcessChoice(d, may_start(user, d)) for d in current_definitions(session)]


@dataclass(frozen=True)
class VersionRow:
    """One version of a process as the library shows it."""

    definition: ProcessDefinition
    running: int
    current: bool = False


def versions(session: Session, key: str) -> list[VersionRow]:
    """Every version of process `key`, newest first, with running counts and which is current
    (NotFound when it is not deployed)."""
    found = library(session, key).get(key)
    if not found:
        raise NotFound(f"process {key!r} is not deployed")
    return found


def library(session: Session, key: str | None = None) -> dict[str, list[VersionRow]]:
    """Every process key (or just `key`) -> its versions, newest first, with running instance
    counts and which one is current."""
    counts = dict(session.execute(
        select(ProcessInstance.definition_id, func.count())
        .where(ProcessInstance.status == InstanceStatus.RUNNING)
        .group_by(ProcessInstance.definition_id)
    ).tuples().all())
    current = {d.id for d in current_definitions(session, None if key is None else [key])}
    rows: dict[str, list[VersionRow]] = {}
    query = (select(ProcessDefinition)
             .options(joinedload(ProcessDefinition.deployed_by).lazyload(User.roles))
             .order_by(ProcessDefinition.key, ProcessDefinition.version.desc()))
    if key is not None:
        query = query.where(ProcessDefinition.key == key)
    for definition in session.scalars(query):
        rows.setdefault(definition.key, []).append(
            VersionRow(definition, counts.get(definition.id, 0), definition.id in current))
    return rows


def check_migrations(session: Session, kf: WorkflowEngine, definition_id: int
                     ) -> list[MigrationCheck]:
    """Running and failed instances of older versions of the same process, each with whether
    it can move to version `definition_id` (restores each one's workflow)."""
    target = session.get(ProcessDefinition, definition_id)
    if target is None:
        raise NotFound(f"process version {definition_id} not found")
    compiled = kf.runtime.specs.get(target)
    instances = session.scalars(
        select(ProcessInstance).join(ProcessInstance.definition)
        .where(ProcessDefinition.key == target.key, ProcessDefinition.version < target.version,
               ProcessInstance.status.in_(MOVABLE_STATUSES))
        .order_by(ProcessInstance.id)).all()
    return [check_instance(kf.runtime, instance, compiled) for instance in instances]
