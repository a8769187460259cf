"""comments on instances and their tasks

Revision ID: 0021
Revises: 0013
Create Date: 2026-11-30 10:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import engine.models.base

revision: str = "0021"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "instance_comment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", engine.models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["instance_id"], ["process_instance.id"], ondelete="CASCADE",
                                name=op.f("fk_instance_comment_instance_id_process_instance")),
        sa.ForeignKeyConstraint(["task_id"], ["human_task.id"], ondelete="SET NULL",
                                name=op.f("fk_instance_comment_task_id_human_task")),
        sa.ForeignKeyConstraint(["author_id"], ["app_user.id"],
                                name=op.f("fk_instance_comment_author_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_instance_comment")),
    )
    op.create_index("ix_instance_comment_instance", "instance_comment", ["instance_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_instance_comment_instance", table_name="instance_comment")
    op.drop_table("instance_comment")
