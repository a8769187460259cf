"""indexes for the indicators: completions per step and period, customers by instance

Revision ID: 0026
Revises: 0022
Create Date: 2026-11-30 12:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0026"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_audit_event_action_step_at", "audit_event", ["action", "bpmn_id", "at"])
    op.create_index("ix_customer_instance", "customer", ["instance_id"])


def downgrade() -> None:
    op.drop_index("ix_customer_instance", table_name="customer")
    op.drop_index("ix_audit_event_action_step_at", table_name="audit_event")
