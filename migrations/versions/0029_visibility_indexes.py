"""visibility read from indexes: the instance ids beside each tie, and the walk's columns in
the index of every open task

Revision ID: 0029
Revises: 0026
Create Date: 2026-11-30 11:40:00.000000

A senior manager's `all` inbox walks every open task in inbox order and keeps those of the
instances they see (engine.runtime.access.open_tasks_visible). The set of those instances is
read per tie (assignee, completer, offered role, owner, starter): each index below now ends
with the instance id, so PostgreSQL reads the set from the indexes without visiting the
tables, and the walk over open tasks (due_at, id) carries the two columns it tests
(assignee_id, instance_id). The indexes keep their names and their leading columns, so every
query that used them still does.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0029"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN_ONLY = sa.text("state IN ('ready', 'claimed')")
OFFERED_ONLY = sa.text("state IN ('ready', 'claimed') AND assignee_id IS NULL")

# name, table, columns before, columns after, partial predicate
INDEXES: list[tuple[str, str, list[str], list[str], sa.TextClause | None]] = [
    ("ix_human_task_open_role", "human_task", ["role", "due_at", "id"],
     ["role", "due_at", "id", "instance_id"], OFFERED_ONLY),
    ("ix_human_task_open_due", "human_task", ["due_at", "id"],
     ["due_at", "id", "assignee_id", "instance_id"], OPEN_ONLY),
    ("ix_human_task_assignee_inbox", "human_task", ["assignee_id", "state", "due_at"],
     ["assignee_id", "state", "due_at", "instance_id"], None),
    ("ix_human_task_completed_by", "human_task", ["completed_by_id"],
     ["completed_by_id", "instance_id"], None),
    ("ix_process_instance_owner_id", "process_instance", ["owner_id"], ["owner_id", "id"], None),
    ("ix_process_instance_started_by_id", "process_instance", ["started_by_id"],
     ["started_by_id", "id"], None),
]


def _recreate(name: str, table: str, columns: list[str], where: sa.TextClause | None) -> None:
    op.drop_index(name, table_name=table)
    if where is None:
        op.create_index(name, table, columns)
    else:
        op.create_index(name, table, columns, postgresql_where=where, sqlite_where=where)


def upgrade() -> None:
    for name, table, _before, after, where in INDEXES:
        _recreate(name, table, after, where)


def downgrade() -> None:
    for name, table, before, _after, where in reversed(INDEXES):
        _recreate(name, table, before, where)
