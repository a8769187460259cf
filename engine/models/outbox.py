"""The notification outbox: mail written in the command's transaction, relayed later."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, one_of


class NotificationStatus(StrEnum):
    """Where an outbox row stands (`notification.status`)."""

    PENDING = "pending"  # the relay sends it at `next_attempt_at`
    SENT = "sent"
    FAILED = "failed"  # given up: refused for good, or out of attempts


class NotificationChannel(StrEnum):
    """How an outbox row goes out (`notification.channel`)."""

    MAIL = "mail"  # to `recipient_email` over the mailer
    CHAT = "chat"  # to the work-chat hook `hook_id` (engine/chat)


class Notification(Base):
    """One message to one recipient; the idempotency key makes a second write a no-op."""

    __tablename__ = "notification"
    __table_args__ = (
        Index("ix_notification_relay", "status", "next_attempt_at"),
        one_of("status", NotificationStatus),
        one_of("channel", NotificationChannel),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    recipient_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    recipient_email: Mapped[str | None] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(8), default="zh")
    kind: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    instance_id: Mapped[int | None] = mapped_column(
        ForeignKey("process_instance.id", ondelete="SET NULL")
    )
    task_id: Mapped[int | None] = mapped_column(ForeignKey("human_task.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default=NotificationStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    next_attempt_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    # The web request or worker run that wrote the row; the relay logs it when it sends.
    request_id: Mapped[str | None] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(8), default=NotificationChannel.MAIL.value,
                                         server_default=NotificationChannel.MAIL.value)
    # The chat hook a `chat` row goes to. No foreign key: a hook removed while its rows wait
    # leaves them to fail with that reason rather than vanish (engine/chat/sender.py).
    hook_id: Mapped[int | None] = mapped_column()
    # A relay took this row into its batch until then (engine/mail/relay.py); other relays
    # leave it alone meanwhile, and take it once the lease runs out (a relay that died).
    leased_until: Mapped[datetime | None]
