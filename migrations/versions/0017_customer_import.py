"""customer imports run as jobs: the file, its progress and its report

Revision ID: 0017
Revises: 0011
Create Date: 2026-12-01 09:00:00.000000

A new table only; nothing existing changes.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import engine.models.base

revision: str = "0017"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "customer_import",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("update_existing", sa.Boolean(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("processed", sa.Integer(), nullable=False),
        sa.Column("imported", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("problems",
                  sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                  nullable=False),
        sa.Column("problems_left_off", sa.Integer(), nullable=False),
        sa.Column("message", sa.String(length=500), nullable=True),
        sa.Column("created_at", engine.models.base.UTCDateTime(), nullable=False),
        sa.Column("touched_at", engine.models.base.UTCDateTime(), nullable=False),
        sa.Column("finished_at", engine.models.base.UTCDateTime(), nullable=True),
        sa.CheckConstraint(
            "status IN ('queued', 'checking', 'importing', 'done', 'failed')",
            name=op.f("ck_customer_import_status")),
        sa.ForeignKeyConstraint(["created_by_id"], ["app_user.id"],
                                name=op.f("fk_customer_import_created_by_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_import")),
    )
    op.create_index("ix_customer_import_status_touched", "customer_import",
                    ["status", "touched_at"])


def downgrade() -> None:
    op.drop_index("ix_customer_import_status_touched", table_name="customer_import")
    op.drop_table("customer_import")
