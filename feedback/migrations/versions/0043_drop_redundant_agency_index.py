"""drop ix_employees_agency_code: ix_employees_agency_unit (agency_code, unit) serves every lookup by
agency as its leading column, and each index is one more entry to write for every imported row

Revision ID: 0043
Revises: 0042
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0043"
down_revision: str | None = "0042"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index(op.f("ix_employees_agency_code"), table_name="employees")


def downgrade() -> None:
    op.create_index(op.f("ix_employees_agency_code"), "employees", ["agency_code"])
