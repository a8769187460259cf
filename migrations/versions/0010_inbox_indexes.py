"""inbox and tick at scale: partial indexes over open tasks in the inboxes' order; the
reminder tick's marks

Revision ID: 0010
Revises: 0017
Create Date: 2026-11-30 09:00:00.000000

The inbox pages by (due_at, id) per scope (engine/queries/inbox.py); each scope gets an index
in that order over open tasks only, which also serves the reminder tick's due-time query. They
replace (role, state, due_at) and (state, due_at); (assignee_id, state, due_at) stays for the
visibility rule, which looks at tasks in every state.

`reminder_mark` holds, per open task, when its notices may next change (engine/reminders/
marks.py): the steady tick reads only the tasks whose mark is missing, due or stale.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import engine.models.base

revision: str = "0010"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN_ONLY = sa.text("state IN ('ready', 'claimed')")
OFFERED_ONLY = sa.text("state IN ('ready', 'claimed') AND assignee_id IS NULL")


def upgrade() -> None:
    op.create_index("ix_human_task_open_assignee", "human_task", ["assignee_id", "due_at", "id"],
                    postgresql_where=OPEN_ONLY, sqlite_where=OPEN_ONLY)
    op.create_index("ix_human_task_open_role", "human_task", ["role", "due_at", "id"],
                    postgresql_where=OFFERED_ONLY, sqlite_where=OFFERED_ONLY)
    op.create_index("ix_human_task_open_due", "human_task", ["due_at", "id"],
                    postgresql_where=OPEN_ONLY, sqlite_where=OPEN_ONLY)
    op.drop_index("ix_human_task_role_inbox", table_name="human_task")
    op.drop_index("ix_human_task_due", table_name="human_task")
    op.create_table(
        "reminder_mark",
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("next_at", engine.models.base.UTCDateTime(), nullable=True),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("due_at", engine.models.base.UTCDateTime(), nullable=True),
        sa.Column("people", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(["task_id"], ["human_task.id"],
                                name=op.f("fk_reminder_mark_task_id_human_task"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("task_id", name=op.f("pk_reminder_mark")),
    )


def downgrade() -> None:
    op.drop_table("reminder_mark")
    op.create_index("ix_human_task_due", "human_task", ["state", "due_at"])
    op.create_index("ix_human_task_role_inbox", "human_task", ["role", "state", "due_at"])
    op.drop_index("ix_human_task_open_due", table_name="human_task")
    op.drop_index("ix_human_task_open_role", table_name="human_task")
    op.drop_index("ix_human_task_open_assignee", table_name="human_task")
