"""Targets the department's leaders set for the indicators, per month and per scope."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class KpiTarget(Base):
    """The target of one indicator for one month, for the department, a role or a person.

    `scope` is `department` (key ""), `role` (key: a role id) or `user` (key: a user name);
    `month` is `YYYY-MM`. A count's target is for the whole month; a rate's is a fraction.
    """

    __tablename__ = "kpi_target"
    __table_args__ = (UniqueConstraint("indicator", "scope", "key", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator: Mapped[str] = mapped_column(String(40))
    scope: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(80), default="")
    month: Mapped[str] = mapped_column(String(7), index=True)
    value: Mapped[float]
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    set_at: Mapped[datetime]
