"""contracts: the customer register's signed contracts (number, date, volume), with voiding

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-30 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import engine.models.base

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "contract",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=60), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=False),
        sa.Column("volume", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", engine.models.base.UTCDateTime(), nullable=False),
        sa.Column("voided_at", engine.models.base.UTCDateTime(), nullable=True),
        sa.Column("voided_by_id", sa.Integer(), nullable=True),
        sa.Column("void_reason", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"], ondelete="CASCADE",
                                name=op.f("fk_contract_customer_id_customer")),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["app_user.id"],
                                name=op.f("fk_contract_recorded_by_id_app_user")),
        sa.ForeignKeyConstraint(["voided_by_id"], ["app_user.id"],
                                name=op.f("fk_contract_voided_by_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contract")),
    )
    op.create_index("ix_contract_customer_signed", "contract", ["customer_id", "signed_on"])
    op.create_index("ix_contract_signed_on", "contract", ["signed_on"])


def downgrade() -> None:
    op.drop_index("ix_contract_signed_on", table_name="contract")
    op.drop_index("ix_contract_customer_signed", table_name="contract")
    op.drop_table("contract")
