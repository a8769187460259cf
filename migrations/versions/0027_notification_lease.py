"""the relay's lease on outbox rows; an index of open customer tasks

Revision ID: 0027
Revises: 0029
Create Date: 2026-11-30 11:40:00.000000

A relay leases a batch of due rows in one statement (`leased_until`) and marks each one on
its own as it goes; other relays skip leased rows until the lease runs out.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import engine.models.base

revision: str = "0027"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CUSTOMER_OPEN = sa.text("state IN ('ready', 'claimed') AND role = 'customer'")


def upgrade() -> None:
    op.add_column("notification", sa.Column("leased_until", engine.models.base.UTCDateTime(),
                                            nullable=True))
    op.create_index("ix_human_task_open_customer", "human_task", ["id"],
                    postgresql_where=CUSTOMER_OPEN, sqlite_where=CUSTOMER_OPEN)


def downgrade() -> None:
    op.drop_index("ix_human_task_open_customer", table_name="human_task")
    op.drop_column("notification", "leased_until")
