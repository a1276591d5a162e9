"""create employee codes: QR tokens and short codes

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "employee_codes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(64), nullable=False),
        sa.Column("short_code", sa.String(16), nullable=False),
        sa.Column("status", sa.String(10), nullable=False, server_default="active"),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("replaced_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_employee_codes")),
        sa.ForeignKeyConstraint(
            ["employee_id"],
            ["employees.id"],
            name=op.f("fk_employee_codes_employee_id_employees"),
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("token", name=op.f("uq_employee_codes_token")),
        sa.UniqueConstraint("short_code", name=op.f("uq_employee_codes_short_code")),
    )
    op.create_index(op.f("ix_employee_codes_employee_id"), "employee_codes", ["employee_id"])
    op.create_index(
        "uq_employee_codes_one_active",
        "employee_codes",
        ["employee_id"],
        unique=True,
        postgresql_where=sa.text("status = 'active'"),
        sqlite_where=sa.text("status = 'active'"),
    )


def downgrade() -> None:
    op.drop_index("uq_employee_codes_one_active", table_name="employee_codes")
    op.drop_index(op.f("ix_employee_codes_employee_id"), table_name="employee_codes")
    op.drop_table("employee_codes")
