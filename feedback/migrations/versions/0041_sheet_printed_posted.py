"""employee_codes: when the code's sheet was last printed, and when its posting was confirmed

Revision ID: 0041
Revises: 0040
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0041"
down_revision: str | None = "0040"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("employee_codes") as batch:
        batch.add_column(sa.Column("printed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("posted_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("posted_by", sa.String(120), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("employee_codes") as batch:
        batch.drop_column("posted_by")
        batch.drop_column("posted_at")
        batch.drop_column("printed_at")
