"""Substitutes: who stands in for a colleague while they are away."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base
from .users import User


class Substitution(Base):
    """`substitute` stands in for `absent` from `starts_on` to `ends_on` (calendar days in the
    company's time zone, both included). The access rule reads the instants `starts_at` and
    `ends_at` (UTC, end exclusive) that the days were turned into when the row was written;
    ending a substitution early moves `ends_at` (engine.runtime.substitutes)."""

    __tablename__ = "substitution"
    __table_args__ = (
        # The access rule's question, asked on every visibility check: whom does this
        # substitute stand in for now?
        Index("ix_substitution_substitute", "substitute_id", "ends_at"),
        CheckConstraint("absent_id <> substitute_id", name="not_oneself"),
        CheckConstraint("starts_at < ends_at", name="window"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    absent_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"),
                                           index=True)
    substitute_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id",
                                                                 ondelete="SET NULL"))
    created_at: Mapped[datetime]

    absent: Mapped[User] = relationship(foreign_keys=[absent_id], lazy="joined")
    substitute: Mapped[User] = relationship(foreign_keys=[substitute_id], lazy="joined")
