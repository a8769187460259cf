"""archived instances: when the state was dropped, the diagram path kept in its place

Revision ID: 0009
Revises: 0006
Create Date: 2026-12-01 09:00:00.000000

Columns are added with plain ALTER TABLE, never by batch-copying process_instance (see 0005).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import engine.models.base

revision: str = "0009"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("process_instance", sa.Column("archived_at", engine.models.base.UTCDateTime(),
                                                nullable=True))
    op.add_column("process_instance", sa.Column(
        "archived_path",
        sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
        nullable=True))
    op.create_index("ix_process_instance_ended", "process_instance", ["status", "ended_at"])


def downgrade() -> None:
    op.drop_index("ix_process_instance_ended", table_name="process_instance")
    with op.batch_alter_table("process_instance", schema=None) as batch_op:
        batch_op.drop_column("archived_path")
        batch_op.drop_column("archived_at")
