"""Archiving one ended instance: its diagram path is stored, then its saved state dropped.

What stays: the instance row (status, dates, customer, owner), its audit events (the
history, which the indicators read), its tasks (the `human_task` projection, which the
indicators and inboxes read) and its mail. What goes: the serialized SpiffWorkflow state —
the bulk of the row — and with it the process data the instance page listed. The page keeps
drawing the diagram with the path taken from `archived_path` (engine.queries.element_states).
The path is computed from the state before it is dropped; an instance whose state cannot be
read keeps it and is reported (sweep.py), never archived without its path.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import InstanceStatus, ProcessInstance
from engine.queries.instances import element_states
from engine.runtime.state import lock_instance
from engine.settings import Settings

from .contacts import blank_contacts

if TYPE_CHECKING:
    from engine.workflow_engine import WorkflowEngine

ARCHIVABLE_STATUSES = (InstanceStatus.COMPLETED, InstanceStatus.CANCELLED)


@dataclass(frozen=True)
class RetentionPolicy:
    """How old an ended instance must be to be archived, and whether contacts are blanked."""

    days: int
    blank_contacts: bool = False

    @classmethod
    def from_settings(cls, settings: Settings) -> RetentionPolicy | None:
        """The configured policy, or None when retention is off."""
        if settings.retention_days is None:
            return None
        return cls(settings.retention_days, settings.retention_blank_contacts)

    def cutoff(self, now: datetime) -> datetime:
        """Instances that ended before this moment are archived."""
        return now - timedelta(days=self.days)


def archivable_ids(session: Session, cutoff: datetime, limit: int = 200,
                   after_id: int = 0) -> list[int]:
    """Ids of ended, not yet archived instances that ended before `cutoff` (ascending)."""
    return list(session.scalars(
        select(ProcessInstance.id)
        .where(ProcessInstance.status.in_(ARCHIVABLE_STATUSES),
               ProcessInstance.ended_at < cutoff,
               ProcessInstance.archived_at.is_(None),
               ProcessInstance.id > after_id)
        .order_by(ProcessInstance.id).limit(limit)))


def archive_instance(session: Session, kf: WorkflowEngine, instance_id: int, cutoff: datetime,
                     now: datetime, *, blank: bool = False) -> bool:
    """Archive one instance if it is still archivable; False if it no longer is.

    Raises whatever reading its state raises (the caller records that instance as failed
    and rolls back): nothing is dropped without its path.
    """
    instance = lock_instance(session, instance_id)
    if (instance.status not in ARCHIVABLE_STATUSES or instance.archived_at is not None
            or instance.ended_at is None or instance.ended_at >= cutoff):
        return False
    states = element_states(kf, instance)
    if blank:
        blank_contacts(session, instance, kf.runtime.specs.get(instance.definition).forms.values())
    instance.archived_path = {"completed": states.completed,
                              "taken": [list(step) for step in states.taken]}
    instance.archived_at = now
    instance.state = ""
    return True
