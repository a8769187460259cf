"""human tasks: when the assignee first opened the task (the flow's wait per step)

Revision ID: 0018
Revises: 0009
Create Date: 2026-11-30 09:00:00.000000

A plain ALTER TABLE adding a nullable column (no batch copy of human_task).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import engine.models.base

revision: str = "0018"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("human_task", sa.Column("first_opened_at", engine.models.base.UTCDateTime(),
                                          nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("human_task", schema=None) as batch_op:
        batch_op.drop_column("first_opened_at")
