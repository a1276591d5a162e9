"""rollups indexed by (level, day) with the sums included, for rankings and the map

Revision ID: 0031
Revises: 0030
Create Date: 2026-11-29
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_rollups_level_day",
        "rollups",
        ["level", "day"],
        postgresql_include=["key", "count", "sum_q1", "sum_q2", "sum_q3", "sum_q4"],
    )


def downgrade() -> None:
    op.drop_index("ix_rollups_level_day", table_name="rollups")
