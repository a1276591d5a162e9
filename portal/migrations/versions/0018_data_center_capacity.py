"""data centers record their capacity (servers, racks, power in kW, yearly cost in rials) and when
they were retired, for the consolidation view; unknown figures stay empty; a data center already
retired takes its last change as its retirement time

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("data_centers") as batch:
        batch.add_column(sa.Column("servers", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("racks", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("power_kw", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("yearly_cost_rials", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE data_centers SET retired_at = updated_at WHERE status = 'retired'")


def downgrade() -> None:
    with op.batch_alter_table("data_centers") as batch:
        batch.drop_column("retired_at")
        batch.drop_column("yearly_cost_rials")
        batch.drop_column("power_kw")
        batch.drop_column("racks")
        batch.drop_column("servers")
