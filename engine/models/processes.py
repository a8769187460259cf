"""Deployed process definitions and the instances running on them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, one_of
from .users import User


class InstanceStatus(StrEnum):
    """Where an instance stands (`process_instance.status`)."""

    RUNNING = "running"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    ERROR = "error"  # failed: an incident until retried or cancelled (engine.runtime.failures)


# Still changeable: commands act on running instances, incident handling on failed ones.
ACTIVE_STATUSES = (InstanceStatus.RUNNING, InstanceStatus.ERROR)


class ProcessDefinition(Base):
    """One version of one process: the files it needs, keyed by their content hash."""

    __tablename__ = "process_definition"
    __table_args__ = (
        UniqueConstraint("key", "version"),
        UniqueConstraint("key", "content_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), index=True)
    version: Mapped[int]
    name: Mapped[str] = mapped_column(String(200), default="")
    name_en: Mapped[str] = mapped_column(String(200), default="")
    content_hash: Mapped[str] = mapped_column(String(64))
    # filename -> text of every file this process needs (its BPMN, called processes, DMN, forms)
    files: Mapped[dict[str, Any]] = mapped_column(deferred=True)  # only read on a cache miss
    # role names of the lanes holding user tasks, in diagram order
    lanes: Mapped[list[Any]]
    deployed_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    deployed_at: Mapped[datetime]

    # Read only by the version lists (engine.queries.definitions joins it there). Joined
    # everywhere, it rode along every instance a command locked, and the deployer's roles
    # (selectin) cost every command on a process deployed from the web a statement more.
    deployed_by: Mapped[User | None] = relationship(lazy="select")


class ProcessCurrent(Base):
    """Which version of a process new instances start on, once a deploy or a process owner
    chose one (engine/deployment/current.py); without a row, the newest version is current."""

    __tablename__ = "process_current"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definition.id"))
    chosen_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    chosen_at: Mapped[datetime]


class ProcessInstance(Base):
    """A running (or finished) process; its SpiffWorkflow state is stored without the spec."""

    __tablename__ = "process_instance"
    __table_args__ = (
        # The timer poller's query: running instances whose earliest timer is due.
        Index("ix_process_instance_wakeup", "status", "next_wakeup_at"),
        # Retention's daily query: ended instances by end time (engine.retention).
        Index("ix_process_instance_ended", "status", "ended_at"),
        # Visibility (engine.runtime.access): the instances a user owns or started, with
        # their ids, read from the index alone (migration 0029).
        Index("ix_process_instance_owner_id", "owner_id", "id"),
        Index("ix_process_instance_started_by_id", "started_by_id", "id"),
        one_of("status", InstanceStatus),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definition.id"), index=True)
    business_key: Mapped[str | None] = mapped_column(String(120), index=True)
    customer_name: Mapped[str | None] = mapped_column(String(200), index=True)
    status: Mapped[str] = mapped_column(String(16), default=InstanceStatus.RUNNING.value)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    # The account owner: the senior manager who started it or was named at the start. They
    # keep its senior-manager tasks and always see it (engine.runtime.access).
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    # SpiffWorkflow's serialized state; "" once the instance is archived (engine.retention).
    state: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)
    next_wakeup_at: Mapped[datetime | None]
    error: Mapped[dict[str, Any] | None]
    # Retention: when the state was dropped, and the diagram path kept in its place
    # ({"completed": [element ids], "taken": [[from, to], ...]}, as engine.queries computes it).
    archived_at: Mapped[datetime | None]
    archived_path: Mapped[dict[str, Any] | None]
    # The end event that completed it: {"id", "name", "name_en", "kind"}, `kind` being the
    # end event's declared `outcome` (engine.outcomes); None while it runs or when cancelled.
    outcome: Mapped[dict[str, Any] | None]

    definition: Mapped[ProcessDefinition] = relationship(lazy="joined")
    started_by: Mapped[User | None] = relationship(foreign_keys=[started_by_id], lazy="select")
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id], lazy="select")

    # Optimistic locking: every UPDATE checks and bumps the counter (design.md invariant 2).
    __mapper_args__ = {"version_id_col": version}
