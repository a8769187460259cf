"""returned tasks' notices and the outcome an instance ended with

Revision ID: 0013
Revises: 0010
Create Date: 2026-11-30 09:00:00.000000

Columns are added with plain ALTER TABLE, never by batch-copying process_instance (see 0005).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0013"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.add_column("human_task", sa.Column("notices", _json(), nullable=True))
    op.add_column("process_instance", sa.Column("outcome", _json(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("process_instance", schema=None) as batch_op:
        batch_op.drop_column("outcome")
    with op.batch_alter_table("human_task", schema=None) as batch_op:
        batch_op.drop_column("notices")
