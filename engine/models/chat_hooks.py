"""Work-chat group robots (WeCom 企业微信, DingTalk 钉钉): one webhook per role, one per user."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, one_of


class ChatKind(StrEnum):
    """Which chat service a hook posts to (`chat_hook.kind`)."""

    WECOM = "wecom"
    DINGTALK = "dingtalk"


class ChatFormat(StrEnum):
    """How a hook's messages are written (`chat_hook.format`)."""

    TEXT = "text"
    MARKDOWN = "markdown"


class ChatHook(Base):
    """A group robot's webhook, owned by exactly one role (set by an admin) or one user.

    `url` carries the robot's access key and `secret` DingTalk's signing secret: both are
    shown masked and never logged (engine.chat.addresses.masked_url).
    """

    __tablename__ = "chat_hook"
    __table_args__ = (
        one_of("kind", ChatKind),
        one_of("format", ChatFormat),
        CheckConstraint("(role_name IS NULL) <> (user_id IS NULL)", name="one_owner"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    role_name: Mapped[str | None] = mapped_column(ForeignKey("role.name"), unique=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="CASCADE"), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    url: Mapped[str] = mapped_column(String(1000))
    secret: Mapped[str | None] = mapped_column(String(200))
    format: Mapped[str] = mapped_column(String(16), default=ChatFormat.TEXT.value)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL"))
