"""substitutes (who stands in for an absent colleague, and when); mail at once or digest only

Revision ID: 0011
Revises: 0012
Create Date: 2026-11-30 09:00:00.000000

A new table, and a column of app_user with a default (every user keeps being mailed at
once when work arrives in their roles' pools until they choose the digest).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import engine.models.base

revision: str = "0011"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "substitution",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("absent_id", sa.Integer(), nullable=False),
        sa.Column("substitute_id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("starts_at", engine.models.base.UTCDateTime(), nullable=False),
        sa.Column("ends_at", engine.models.base.UTCDateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", engine.models.base.UTCDateTime(), nullable=False),
        sa.CheckConstraint("absent_id <> substitute_id",
                           name=op.f("ck_substitution_not_oneself")),
        sa.CheckConstraint("starts_at < ends_at", name=op.f("ck_substitution_window")),
        sa.ForeignKeyConstraint(["absent_id"], ["app_user.id"],
                                name=op.f("fk_substitution_absent_id_app_user"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_id"], ["app_user.id"],
                                name=op.f("fk_substitution_created_by_id_app_user"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["substitute_id"], ["app_user.id"],
                                name=op.f("fk_substitution_substitute_id_app_user"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_substitution")),
    )
    op.create_index("ix_substitution_absent_id", "substitution", ["absent_id"])
    op.create_index("ix_substitution_substitute", "substitution", ["substitute_id", "ends_at"])
    op.add_column("app_user", sa.Column("pool_mail_at_once", sa.Boolean(), nullable=False,
                                        server_default=sa.true()))


def downgrade() -> None:
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.drop_column("pool_mail_at_once")
    op.drop_index("ix_substitution_substitute", table_name="substitution")
    op.drop_index("ix_substitution_absent_id", table_name="substitution")
    op.drop_table("substitution")
