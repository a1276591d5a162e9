"""drop ix_responses_employee_id: ix_responses_employee_ip leads with the same column

Revision ID: 0033
Revises: 0032
Create Date: 2026-11-29

Every lookup by employee (the flag rule, the cascade when an employee is deleted, the registry's
pages) can use (employee_id, ip_hash, created_at); the single-column index only cost every
submission one more index insertion.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0033"
down_revision: str | None = "0032"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_responses_employee_id", table_name="responses")


def downgrade() -> None:
    op.create_index("ix_responses_employee_id", "responses", ["employee_id"])
