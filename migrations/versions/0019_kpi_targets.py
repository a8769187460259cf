"""kpi targets: per indicator, scope (department, role, person) and month

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-30 09:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import engine.models.base

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "kpi_target",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("indicator", sa.String(length=40), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("set_by_id", sa.Integer(), nullable=True),
        sa.Column("set_at", engine.models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["set_by_id"], ["app_user.id"],
                                name=op.f("fk_kpi_target_set_by_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kpi_target")),
        sa.UniqueConstraint("indicator", "scope", "key", "month",
                            name=op.f("uq_kpi_target_indicator_scope_key_month")),
    )
    op.create_index(op.f("ix_kpi_target_month"), "kpi_target", ["month"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_kpi_target_month"), table_name="kpi_target")
    op.drop_table("kpi_target")
