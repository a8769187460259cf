"""instance statuses, task states, outbox statuses and role names checked by the database

Revision ID: 0006
Revises: 0008
Create Date: 2026-12-01 09:00:00.000000

It comes after 0008 (request ids), which reached main first: a database already at 0008
still gets these checks.

The values are the engine's StrEnums (InstanceStatus, TaskStatus, NotificationStatus,
RoleName) as they are at this revision, written out: a migration must not change when the
code does.

PostgreSQL gets CHECK constraints. SQLite cannot add a constraint to an existing table
without copying it, and a copy of process_instance, human_task or role drops a table that
other tables' rows refer to (with ON DELETE CASCADE, that would take those rows with it). So
on SQLite the same rule is a pair of triggers per column (insert, update), named like the
constraint and failing with its message; a database made from the models (tests) has the
CHECK constraints themselves.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHECKED: dict[tuple[str, str], tuple[str, ...]] = {
    ("process_instance", "status"): ("running", "completed", "cancelled", "error"),
    ("human_task", "state"): ("ready", "claimed", "completed", "cancelled"),
    ("notification", "status"): ("pending", "sent", "failed"),
    ("role", "name"): ("marketing_director", "dept_head", "senior_manager", "clerk", "finance",
                       "customer", "process_owner", "admin"),
}


def _name(table: str, column: str) -> str:
    return f"ck_{table}_{column}"  # the models' naming convention for CHECK constraints


def _condition(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for (table, column), values in CHECKED.items():
        name = _name(table, column)
        if not sqlite:
            op.create_check_constraint(op.f(name), table, _condition(column, values))
            continue
        allowed = ", ".join(repr(v) for v in values)
        for event, when in (("insert", "INSERT"), ("update", f"UPDATE OF {column}")):
            op.execute(
                f"CREATE TRIGGER {name}_{event} BEFORE {when} ON {table} "
                f"WHEN NEW.{column} NOT IN ({allowed}) "
                f"BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: {name}'); END"
            )


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, column in reversed(list(CHECKED)):
        name = _name(table, column)
        if sqlite:
            op.execute(f"DROP TRIGGER IF EXISTS {name}_update")
            op.execute(f"DROP TRIGGER IF EXISTS {name}_insert")
        else:
            op.drop_constraint(op.f(name), table, type_="check")
