"""The customer register: key accounts filed by the clerk, and the potential pool."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base
from .users import User

# key_account: filed at the end of a development; potential: parked in the potential pool.
CUSTOMER_STATUSES = ("key_account", "potential")
VOLUME = Numeric(14, 2)  # 方, two decimals are plenty and keep SUM() exact for the KPIs


class Customer(Base):
    """One customer, unique by name; re-filing the same name updates this row."""

    __tablename__ = "customer"
    __table_args__ = (
        # The UI lists a senior manager's accounts; reminders scan birthdays by owner.
        Index("ix_customer_owner_status", "owner_id", "status"),
        Index("ix_customer_status_filed", "status", "filed_at"),
        # The indicators find the customer of a development; deleting an instance nulls it.
        Index("ix_customer_instance", "instance_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="key_account")
    account_number: Mapped[str | None] = mapped_column(String(40))
    industry: Mapped[str | None] = mapped_column(String(40))
    source_channel: Mapped[str | None] = mapped_column(String(40))
    # Class codes from customer_classification.dmn: quality, high_value, group, strategic,
    # potential (may overlap; empty for a customer that fits none).
    classes: Mapped[list[Any]] = mapped_column(default=list)
    is_group: Mapped[bool] = mapped_column(default=False)
    is_strategic: Mapped[bool] = mapped_column(default=False)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    cumulative_volume: Mapped[Decimal | None] = mapped_column(VOLUME)
    largest_single_volume: Mapped[Decimal | None] = mapped_column(VOLUME)
    credit: Mapped[str | None] = mapped_column(String(16))
    key_contact_name: Mapped[str | None] = mapped_column(String(120))
    key_contact_position: Mapped[str | None] = mapped_column(String(120))
    key_contact_phone: Mapped[str | None] = mapped_column(String(40))
    key_contact_email: Mapped[str | None] = mapped_column(String(254))
    key_contact_birthday: Mapped[date | None]
    notes: Mapped[str | None] = mapped_column(Text)
    filed_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    filed_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    # The development instance that last filed this customer (kept if the instance is purged).
    instance_id: Mapped[int | None] = mapped_column(
        ForeignKey("process_instance.id", ondelete="SET NULL")
    )

    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id], lazy="joined")

    @property
    def is_key_account(self) -> bool:
        """Whether the customer has been filed as a key account (not only pooled)."""
        return self.status == "key_account"
