"""Incidents: instances in `error`, as process owners and admins see them.

An incident is a failed instance with what it needs to be dealt with: the reason and the
element it failed on (with the element's name from the cached spec), since when it has been
failing (its latest `instance_error` audit event), who started it, for which customer, and
whether it could move to a newer version of its process (the migration check, which restores
the workflow — so only for instances that have a newer version). The commands that act on an
incident are the engine's `retry_instance` and `cancel_instance`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.deployment import CompiledProcess
from engine.deployment.compile import english_name
from engine.models import AuditEvent, InstanceStatus, ProcessDefinition, ProcessInstance, User
from engine.runtime.access import may_handle_incidents
from engine.runtime.context import Runtime
from engine.runtime.version_migration import check_instance

from .definitions import newest_definitions

if TYPE_CHECKING:
    from engine.workflow_engine import WorkflowEngine

DEFAULT_LIMIT = 200


@dataclass(frozen=True)
class MigrationOffer:
    """The newest version of an incident's process, and whether the instance can move there."""

    version: int
    definition_id: int
    movable: bool
    reasons: list[str]


@dataclass(frozen=True)
class Incident:
    """One failed instance: what failed, where, since when, and for whom."""

    instance_id: int
    process_key: str
    process_name: str
    process_name_en: str
    version: int
    reason: str
    element_id: str | None
    element_name: str | None
    element_name_en: str | None
    since: datetime | None
    started_by: str | None
    customer_name: str | None
    business_key: str | None
    migration: MigrationOffer | None


def count_incidents(session: Session) -> int:
    """How many instances are in `error` now (for the header and the start page)."""
    return int(session.scalar(select(func.count(ProcessInstance.id))
                              .where(ProcessInstance.status == InstanceStatus.ERROR)) or 0)


def incident_count_for(session: Session, user: User) -> int | None:
    """The header's count of incidents for those who handle them; None for everyone else."""
    return count_incidents(session) if may_handle_incidents(user) else None


def _failed_since() -> Any:
    """The time of an instance's latest failure, as a correlated subquery."""
    return (select(func.max(AuditEvent.at))
            .where(AuditEvent.instance_id == ProcessInstance.id,
                   AuditEvent.action == "instance_error")
            .correlate(ProcessInstance).scalar_subquery())


def list_incidents(session: Session, kf: WorkflowEngine, limit: int = DEFAULT_LIMIT
                   ) -> list[Incident]:
    """Instances in `error`, the most recent failure first, at most `limit` of them."""
    since = _failed_since().label("since")
    rows = session.execute(
        select(ProcessInstance, since, User.username)
        .outerjoin(User, User.id == ProcessInstance.started_by_id)
        .where(ProcessInstance.status == InstanceStatus.ERROR)
        .order_by(since.desc(), ProcessInstance.id.desc())
        .limit(limit)
    ).tuples().all()
    newest = _newest_by_key(session, {i.definition.key for i, _s, _u in rows})
    return [_incident(kf.runtime, instance, when, starter, newest.get(instance.definition.key))
            for instance, when, starter in rows]


def _newest_by_key(session: Session, keys: set[str]) -> dict[str, ProcessDefinition]:
    """The newest deployed version of each process in `keys`."""
    return {d.key: d for d in newest_definitions(session, keys)} if keys else {}


def _incident(rt: Runtime, instance: ProcessInstance, since: datetime | None,
              starter: str | None, newest: ProcessDefinition | None) -> Incident:
    error = instance.error or {}
    element_id = error.get("element_id")
    definition = instance.definition
    compiled = _compiled_or_none(rt, definition)
    name, name_en = element_names(compiled, element_id) if compiled else (None, None)
    return Incident(
        instance_id=instance.id, process_key=definition.key, process_name=definition.name,
        process_name_en=definition.name_en, version=definition.version,
        reason=str(error.get("reason") or ""), element_id=element_id, element_name=name,
        element_name_en=name_en, since=since or _error_time(error), started_by=starter,
        customer_name=instance.customer_name, business_key=instance.business_key,
        migration=_migration_offer(rt, instance, newest),
    )


def _compiled_or_none(rt: Runtime, definition: ProcessDefinition) -> CompiledProcess | None:
    try:
        return rt.specs.get(definition)
    except Exception:  # a version that no longer compiles still lists its incidents
        return None


def _error_time(error: dict[str, Any]) -> datetime | None:
    """The failure time written with the error (older rows may lack the audit event)."""
    try:
        return datetime.fromisoformat(error["at"])
    except (KeyError, TypeError, ValueError):
        return None


def element_names(compiled: CompiledProcess, element_id: str | None
                  ) -> tuple[str | None, str | None]:
    """The element's name as drawn (Chinese) and in English (its documentation's English line)."""
    if not element_id:
        return None, None
    for spec in (compiled.spec, *compiled.subprocess_specs.values()):
        for task_spec in spec.task_specs.values():
            if getattr(task_spec, "bpmn_id", None) == element_id:
                name = task_spec.bpmn_name or element_id
                english = english_name(getattr(task_spec, "documentation", None))
                return name, english or name
    return None, None


def _migration_offer(rt: Runtime, instance: ProcessInstance,
                    newest: ProcessDefinition | None) -> MigrationOffer | None:
    """Whether `instance` could move to `newest` (None when that is not a newer version)."""
    if newest is None or newest.version <= instance.definition.version:
        return None
    target = _compiled_or_none(rt, newest)
    if target is None:
        return MigrationOffer(newest.version, newest.id, False, ["the new version cannot load"])
    check = check_instance(rt, instance, target)
    return MigrationOffer(newest.version, newest.id, check.movable, check.reasons)


def incident_of(session: Session, kf: WorkflowEngine, instance: ProcessInstance
                ) -> Incident | None:
    """The incident view of one instance (None unless it is in `error`), for its own page."""
    if instance.status != InstanceStatus.ERROR:
        return None
    since = session.scalar(select(func.max(AuditEvent.at)).where(
        AuditEvent.instance_id == instance.id, AuditEvent.action == "instance_error"))
    starter = session.scalar(select(User.username).where(User.id == instance.started_by_id))
    newest = _newest_by_key(session, {instance.definition.key}).get(instance.definition.key)
    return _incident(kf.runtime, instance, since, starter, newest)
