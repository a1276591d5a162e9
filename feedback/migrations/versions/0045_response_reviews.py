"""create response_reviews: flagged answers confirmed as misuse or released, with who and why

Revision ID: 0045
Revises: 0038
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0045"
down_revision: str | None = "0038"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "response_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.BigInteger(), nullable=False),
        sa.Column("outcome", sa.String(10), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("reviewer", sa.String(254), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("outcome IN ('misuse', 'released')", name="ck_response_reviews_outcome"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_response_reviews")),
        sa.UniqueConstraint("response_id", name=op.f("uq_response_reviews_response_id")),
    )


def downgrade() -> None:
    op.drop_table("response_reviews")
