"""indexes the survey's flag rules read on every submission

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-29
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_responses_employee_ip", "responses", ["employee_id", "ip_hash", "created_at"])
    op.create_index("ix_responses_device", "responses", ["device_hash", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_responses_device", table_name="responses")
    op.drop_index("ix_responses_employee_ip", table_name="responses")
