"""add services.search_key (code and names after Persian normalization, for search)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("services", sa.Column("search_key", sa.String(700), server_default="", nullable=False))
    # rows written before this column: a plain lower-case key until their next change re-normalizes it
    op.execute(sa.text("UPDATE services SET search_key = lower(code || ' ' || name_fa || ' ' || name_en)"))


def downgrade() -> None:
    with op.batch_alter_table("services") as batch:
        batch.drop_column("search_key")
