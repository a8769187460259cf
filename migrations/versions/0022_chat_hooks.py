"""work-chat hooks (WeCom, DingTalk) per role and per user; outbox rows with a channel

Revision ID: 0022
Revises: 0023
Create Date: 2026-11-30 11:40:00.000000

`notification` gets `channel` (mail for every existing row) and `hook_id`. As in 0006, the
channel's allowed values are a CHECK constraint on PostgreSQL and a pair of triggers on
SQLite (adding a constraint there means copying the table).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import engine.models.base

revision: str = "0022"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHANNELS = ("mail", "chat")
CHANNEL_CHECK = "ck_notification_channel"


def upgrade() -> None:
    op.create_table(
        "chat_hook",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("role_name", sa.String(length=40), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("url", sa.String(length=1000), nullable=False),
        sa.Column("secret", sa.String(length=200), nullable=True),
        sa.Column("format", sa.String(length=16), nullable=False),
        sa.Column("created_at", engine.models.base.UTCDateTime(), nullable=False),
        sa.Column("updated_at", engine.models.base.UTCDateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("kind IN ('wecom', 'dingtalk')", name=op.f("ck_chat_hook_kind")),
        sa.CheckConstraint("format IN ('text', 'markdown')", name=op.f("ck_chat_hook_format")),
        sa.CheckConstraint("(role_name IS NULL) <> (user_id IS NULL)",
                           name=op.f("ck_chat_hook_one_owner")),
        sa.ForeignKeyConstraint(["role_name"], ["role.name"],
                                name=op.f("fk_chat_hook_role_name_role")),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], ondelete="CASCADE",
                                name=op.f("fk_chat_hook_user_id_app_user")),
        sa.ForeignKeyConstraint(["updated_by_id"], ["app_user.id"], ondelete="SET NULL",
                                name=op.f("fk_chat_hook_updated_by_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_hook")),
        sa.UniqueConstraint("role_name", name=op.f("uq_chat_hook_role_name")),
        sa.UniqueConstraint("user_id", name=op.f("uq_chat_hook_user_id")),
    )
    op.add_column("notification", sa.Column("channel", sa.String(length=8), nullable=False,
                                             server_default="mail"))
    op.add_column("notification", sa.Column("hook_id", sa.Integer(), nullable=True))
    allowed = ", ".join(repr(v) for v in CHANNELS)
    if op.get_bind().dialect.name != "sqlite":
        op.create_check_constraint(op.f(CHANNEL_CHECK), "notification",
                                   f"channel IN ({allowed})")
        return
    for event, when in (("insert", "INSERT"), ("update", "UPDATE OF channel")):
        op.execute(f"CREATE TRIGGER {CHANNEL_CHECK}_{event} BEFORE {when} ON notification "
                   f"WHEN NEW.channel NOT IN ({allowed}) "
                   f"BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: {CHANNEL_CHECK}'); END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"DROP TRIGGER IF EXISTS {CHANNEL_CHECK}_update")
        op.execute(f"DROP TRIGGER IF EXISTS {CHANNEL_CHECK}_insert")
        with op.batch_alter_table("notification") as batch:
            batch.drop_column("hook_id")
            batch.drop_column("channel")
    else:
        op.drop_constraint(op.f(CHANNEL_CHECK), "notification", type_="check")
        op.drop_column("notification", "hook_id")
        op.drop_column("notification", "channel")
    op.drop_table("chat_hook")
