"""create satisfaction_scores (citizens' satisfaction per agency, from the feedback tenant)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "satisfaction_scores",
        sa.Column(
            "agency_id",
            sa.Integer(),
            sa.ForeignKey(
                "agencies.id", ondelete="CASCADE", name="fk_satisfaction_scores_agency_id_agencies"
            ),
            nullable=False,
        ),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("responses", sa.Integer(), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("agency_id", "day", name="pk_satisfaction_scores"),
    )


def downgrade() -> None:
    op.drop_table("satisfaction_scores")
