"""Contracts signed with a customer: number, date and volume, kept with their history."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base
from .customers import VOLUME
from .users import User


class Contract(Base):
    """One signed contract of a customer (the indicators' actual contracted volume).

    Recorded by the account's owner or the clerk; never deleted: a wrong entry is voided
    (who, when, why) and, if needed, recorded again, so the register keeps its history.
    """

    __tablename__ = "contract"
    __table_args__ = (Index("ix_contract_customer_signed", "customer_id", "signed_on"),
                      Index("ix_contract_signed_on", "signed_on"))

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"))
    number: Mapped[str] = mapped_column(String(60))
    signed_on: Mapped[date]
    volume: Mapped[Decimal] = mapped_column(VOLUME)
    note: Mapped[str | None] = mapped_column(String(500))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    recorded_at: Mapped[datetime]
    voided_at: Mapped[datetime | None]
    voided_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    void_reason: Mapped[str | None] = mapped_column(String(500))

    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id],
                                                    lazy="joined")

    @property
    def is_live(self) -> bool:
        """Whether the contract counts (it has not been voided)."""
        return self.voided_at is None
