"""Comments people write on an instance or one of its tasks."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base
from .users import User


class Comment(Base):
    """One comment: on the instance, or on one of its tasks (`task_id`)."""

    __tablename__ = "instance_comment"
    __table_args__ = (Index("ix_instance_comment_instance", "instance_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(
        ForeignKey("process_instance.id", ondelete="CASCADE"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("human_task.id", ondelete="SET NULL"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]

    author: Mapped[User | None] = relationship(lazy="joined")
