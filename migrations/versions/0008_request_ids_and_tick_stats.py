"""request ids on audit events and outbox rows; the tick tasks' running totals

Revision ID: 0008
Revises: 0005
Create Date: 2026-12-01 09:00:00

Columns are added with plain ALTER TABLE (nullable, no default): rows written before this
revision simply have no request id.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("audit_event", sa.Column("request_id", sa.String(length=64), nullable=True))
    op.add_column("notification", sa.Column("request_id", sa.String(length=64), nullable=True))
    op.create_table(
        "tick_stat",
        sa.Column("task", sa.String(length=40), nullable=False),
        sa.Column("runs", sa.Integer(), nullable=False),
        sa.Column("failed_runs", sa.Integer(), nullable=False),
        sa.Column("seconds_total", sa.Float(), nullable=False),
        sa.Column("last_seconds", sa.Float(), nullable=False),
        sa.Column("last_run_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("task", name=op.f("pk_tick_stat")),
    )


def downgrade() -> None:
    op.drop_table("tick_stat")
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_column("request_id")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_column("request_id")
