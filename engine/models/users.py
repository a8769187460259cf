"""People, their roles and their API tokens."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Column, ForeignKey, String, Table, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.roles import RoleName

from .base import Base, one_of

if TYPE_CHECKING:
    from .chat_hooks import ChatHook

user_role = Table(
    "user_role",
    Base.metadata,
    Column("user_id", ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True),
    Column("role_name", ForeignKey("role.name"), primary_key=True, index=True),
)


class Role(Base):
    """One of the fixed roles (the six BPMN lanes plus process_owner and admin)."""

    __tablename__ = "role"
    __table_args__ = (one_of("name", RoleName),)

    name: Mapped[str] = mapped_column(String(40), primary_key=True)


class User(Base):
    """Someone who signs in; may hold several roles."""

    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(120), default="")
    email: Mapped[str | None] = mapped_column(String(254))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    language: Mapped[str] = mapped_column(String(8), default="zh")
    active: Mapped[bool] = mapped_column(default=True)
    # Stored in the session cookie at sign-in and compared on every request: bumping it
    # (sign-out, new password, deactivation) ends every session of the user at once.
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")
    # Mail each task arriving in one of my roles' pools at once (else the daily digest only).
    pool_mail_at_once: Mapped[bool] = mapped_column(default=True, server_default=true())
    created_at: Mapped[datetime]

    roles: Mapped[list[Role]] = relationship(secondary=user_role, lazy="selectin")
    # The user's own work-chat robot, loaded with the user (a join, no statement of its own:
    # commands that tell someone about work already hold them).
    chat_hook: Mapped[ChatHook | None] = relationship(
        primaryjoin="User.id == ChatHook.user_id", lazy="joined", viewonly=True, uselist=False)

    @property
    def role_names(self) -> frozenset[str]:
        """The names of the roles this user holds."""
        return frozenset(role.name for role in self.roles)

    def has_role(self, name: str) -> bool:
        """Whether the user holds the role `name`."""
        return name in self.role_names


class ApiToken(Base):
    """A bearer token; only its SHA-256 is stored, the secret is shown once."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80), default="")
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(lazy="joined")
