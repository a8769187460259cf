"""A process owner's unsaved edits of one process: never read by running work."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class ProcessDraft(Base):
    """One user's working copy of a process bundle (file name -> text)."""

    __tablename__ = "process_draft"
    __table_args__ = (UniqueConstraint("user_id", "process_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"),
                                         index=True)
    process_key: Mapped[str] = mapped_column(String(120))
    files: Mapped[dict[str, Any]]
    # The version the edits started from, so the editor can say what they are based on.
    based_on_id: Mapped[int | None] = mapped_column(
        ForeignKey("process_definition.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime]
