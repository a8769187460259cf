"""instance owner, visibility indexes, per-user session generation

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 05:00:43.502726

Columns are added with plain ALTER TABLE, never by batch-copying a table: on SQLite a copy
drops the old table, which foreign keys from other tables' rows forbid.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OWNER_FK = "fk_process_instance_owner_id_app_user"


def upgrade() -> None:
    op.add_column("app_user", sa.Column("session_generation", sa.Integer(), server_default="0",
                                        nullable=False))
    op.create_index("ix_human_task_completed_by", "human_task", ["completed_by_id"])
    if op.get_bind().dialect.name == "sqlite":
        # SQLite adds a foreign key only as part of the column.
        op.execute("ALTER TABLE process_instance ADD COLUMN owner_id INTEGER "
                   f"CONSTRAINT {OWNER_FK} REFERENCES app_user (id)")
    else:
        op.add_column("process_instance", sa.Column("owner_id", sa.Integer(), nullable=True))
        op.create_foreign_key(OWNER_FK, "process_instance", "app_user", ["owner_id"], ["id"])
    op.create_index("ix_process_instance_owner_id", "process_instance", ["owner_id"])
    op.create_index("ix_process_instance_started_by_id", "process_instance", ["started_by_id"])
    # Until now the starting senior manager was the owner (their sticky tasks said so).
    op.execute(
        "UPDATE process_instance SET owner_id = started_by_id WHERE started_by_id IN "
        "(SELECT user_id FROM user_role WHERE role_name = 'senior_manager')"
    )


def downgrade() -> None:
    op.drop_index("ix_process_instance_started_by_id", table_name="process_instance")
    op.drop_index("ix_process_instance_owner_id", table_name="process_instance")
    with op.batch_alter_table("process_instance", schema=None) as batch_op:
        batch_op.drop_constraint(OWNER_FK, type_="foreignkey")
        batch_op.drop_column("owner_id")
    op.drop_index("ix_human_task_completed_by", table_name="human_task")
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.drop_column("session_generation")
