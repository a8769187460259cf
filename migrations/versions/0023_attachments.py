"""files attached to instances and their tasks

Revision ID: 0023
Revises: 0021
Create Date: 2026-11-30 11:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import engine.models.base

revision: str = "0023"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MEDIA_TYPES = (
    "application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint",
    "text/plain",
)


def upgrade() -> None:
    allowed = ", ".join(f"'{m}'" for m in MEDIA_TYPES)
    op.create_table(
        "instance_attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("uploader_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("stored_name", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", engine.models.base.UTCDateTime(), nullable=False),
        sa.CheckConstraint(f"media_type IN ({allowed})",
                           name=op.f("ck_instance_attachment_media_type")),
        sa.ForeignKeyConstraint(["instance_id"], ["process_instance.id"], ondelete="CASCADE",
                                name=op.f("fk_instance_attachment_instance_id_process_instance")),
        sa.ForeignKeyConstraint(["task_id"], ["human_task.id"], ondelete="SET NULL",
                                name=op.f("fk_instance_attachment_task_id_human_task")),
        sa.ForeignKeyConstraint(["uploader_id"], ["app_user.id"],
                                name=op.f("fk_instance_attachment_uploader_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_instance_attachment")),
        sa.UniqueConstraint("stored_name", name=op.f("uq_instance_attachment_stored_name")),
    )
    op.create_index("ix_instance_attachment_instance", "instance_attachment",
                    ["instance_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_instance_attachment_instance", table_name="instance_attachment")
    op.drop_table("instance_attachment")
