"""The human_task projection: what the inboxes, reminders and KPIs query."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, one_of
from .processes import ProcessInstance
from .users import User


class TaskStatus(StrEnum):
    """Where a user task stands (`human_task.state`)."""

    READY = "ready"  # offered to its role
    CLAIMED = "claimed"  # someone holds it
    COMPLETED = "completed"
    CANCELLED = "cancelled"  # its instance ended, or the workflow withdrew it


OPEN_TASK_STATES = (TaskStatus.READY, TaskStatus.CLAIMED)
# The predicates of the partial indexes over open tasks (migration 0010 writes the same).
OPEN_ONLY = text("state IN ('ready', 'claimed')")
OFFERED_ONLY = text("state IN ('ready', 'claimed') AND assignee_id IS NULL")
# Open tasks of the customer lane (engine.roles.EXTERNAL_ROLE; migration 0027 writes the same).
CUSTOMER_OPEN = text("state IN ('ready', 'claimed') AND role = 'customer'")


class HumanTask(Base):
    """One user task of one instance, written in the same transaction as the workflow state."""

    __tablename__ = "human_task"
    __table_args__ = (
        # The inboxes' scopes in their order (engine/queries/inbox.py), over open tasks
        # only: mine, the roles' offered tasks, and every open task (`all`, the reminders).
        # The trailing columns are what the visibility rule reads (engine.runtime.access):
        # `all` keeps the rows of visible instances from (assignee_id, instance_id), and the
        # set of visible instances is read from the indexes alone (migration 0029).
        Index("ix_human_task_open_assignee", "assignee_id", "due_at", "id",
              postgresql_where=OPEN_ONLY, sqlite_where=OPEN_ONLY),
        Index("ix_human_task_open_role", "role", "due_at", "id", "instance_id",
              postgresql_where=OFFERED_ONLY, sqlite_where=OFFERED_ONLY),
        Index("ix_human_task_open_due", "due_at", "id", "assignee_id", "instance_id",
              postgresql_where=OPEN_ONLY, sqlite_where=OPEN_ONLY),
        # The reminder tick's look for customer tasks still without a link, every tick: a
        # handful of rows, not a pass over every open task (engine/reminders/customer_invites.py).
        Index("ix_human_task_open_customer", "id",
              postgresql_where=CUSTOMER_OPEN, sqlite_where=CUSTOMER_OPEN),
        # Visibility (engine.runtime.access): tasks a user holds or held, in any state.
        Index("ix_human_task_assignee_inbox", "assignee_id", "state", "due_at", "instance_id"),
        Index("ix_human_task_instance_spiff", "instance_id", "spiff_task_id"),
        # Visibility (engine.runtime.access): the instances a user completed a task of.
        Index("ix_human_task_completed_by", "completed_by_id", "instance_id"),
        one_of("state", TaskStatus),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    spiff_task_id: Mapped[str] = mapped_column(String(36))
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id", ondelete="CASCADE"))
    process_key: Mapped[str] = mapped_column(String(120))
    customer_name: Mapped[str | None] = mapped_column(String(200))
    bpmn_id: Mapped[str] = mapped_column(String(120))
    name: Mapped[str] = mapped_column(String(200), default="")
    name_en: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(40))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    state: Mapped[str] = mapped_column(String(16), default=TaskStatus.READY.value)
    form_key: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime]
    claimed_at: Mapped[datetime | None]
    # When the person it was assigned to first opened its page (for the indicators' wait of
    # tasks assigned at creation, whose claimed_at is their creation; engine/kpis/stalls.py).
    first_opened_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    due_at: Mapped[datetime | None]
    # Why a process check sent this task back to whoever did its previous pass:
    # [{"field", "message", "message_en"}] (engine.runtime.returns); None for a plain pass.
    notices: Mapped[list[Any] | None]

    instance: Mapped[ProcessInstance] = relationship(lazy="raise")
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id], lazy="select")

    @property
    def is_open(self) -> bool:
        """Whether the task still waits for someone."""
        return self.state in OPEN_TASK_STATES
