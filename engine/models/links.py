"""One-time links that let the customer (no login) act on one customer-lane task."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class CustomerLink(Base):
    """A link sent to the customer; only the SHA-256 of its token is kept, and it works once."""

    __tablename__ = "customer_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    # One link per task: the tick creates it when the customer task appears.
    task_id: Mapped[int] = mapped_column(
        ForeignKey("human_task.id", ondelete="CASCADE"), unique=True
    )
    instance_id: Mapped[int] = mapped_column(
        ForeignKey("process_instance.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[str] = mapped_column(String(40))
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    email: Mapped[str | None] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(8), default="zh")
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    used_action: Mapped[str | None] = mapped_column(String(16))
