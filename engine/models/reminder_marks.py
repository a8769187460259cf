"""What the reminder tick last concluded about an open task, so the steady tick skips it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class ReminderMark(Base):
    """One open task's notices were all written as of the tick that wrote this row; none can
    be due again before `next_at` (None: never) unless the task's assignee or due time, or
    the directory of reachable people (`people`, a fingerprint), changes. Only the tick
    (engine/reminders/marks.py) writes it; a missing row means "look at the task"."""

    __tablename__ = "reminder_mark"

    task_id: Mapped[int] = mapped_column(ForeignKey("human_task.id", ondelete="CASCADE"),
                                         primary_key=True)
    next_at: Mapped[datetime | None]
    assignee_id: Mapped[int | None]
    due_at: Mapped[datetime | None]
    people: Mapped[str] = mapped_column(String(40))
