"""the current version of each process: what new instances start on

Revision ID: 0012
Revises: 0020
Create Date: 2026-12-02 09:00:00.000000

A new table, so nothing is copied; without a row the newest version stays current, which is
what every process was before this revision.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import engine.models.base

revision: str = "0012"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "process_current",
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("definition_id", sa.Integer(), nullable=False),
        sa.Column("chosen_by_id", sa.Integer(), nullable=True),
        sa.Column("chosen_at", engine.models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["chosen_by_id"], ["app_user.id"],
                                name=op.f("fk_process_current_chosen_by_id_app_user")),
        sa.ForeignKeyConstraint(["definition_id"], ["process_definition.id"],
                                name=op.f("fk_process_current_definition_id_process_definition")),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_process_current")),
    )


def downgrade() -> None:
    op.drop_table("process_current")
