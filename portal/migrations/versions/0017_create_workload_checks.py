"""create workload_checks (HTTP requests to migrated workloads: the evidence of "joined the cloud");
compliance snapshots keep the declared figure beside the evidenced one

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "workload_checks",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "workload_id",
            sa.Integer(),
            sa.ForeignKey(
                "workloads.id", ondelete="CASCADE", name="fk_workload_checks_workload_id_workloads"
            ),
            nullable=False,
        ),
        sa.Column(
            "agency_id",
            sa.Integer(),
            sa.ForeignKey("agencies.id", ondelete="CASCADE", name="fk_workload_checks_agency_id_agencies"),
            nullable=False,
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("url", sa.String(500), nullable=False),
        sa.Column("up", sa.Boolean(), nullable=False),
        sa.Column("status_code", sa.SmallInteger(), nullable=True),
        sa.Column("latency_ms", sa.Integer(), nullable=False),
        sa.Column("error_class", sa.String(32), nullable=False),
        sa.Column("error_detail", sa.String(300), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_workload_checks"),
    )
    op.create_index("ix_workload_checks_workload_id_at", "workload_checks", ["workload_id", "at"])
    op.create_index("ix_workload_checks_agency_id", "workload_checks", ["agency_id"])
    op.create_index("ix_workload_checks_at", "workload_checks", ["at"])
    with op.batch_alter_table("compliance_snapshots") as batch:
        batch.add_column(sa.Column("declared_numerator", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("declared_value", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("compliance_snapshots") as batch:
        batch.drop_column("declared_value")
        batch.drop_column("declared_numerator")
    op.drop_index("ix_workload_checks_at", table_name="workload_checks")
    op.drop_index("ix_workload_checks_agency_id", table_name="workload_checks")
    op.drop_index("ix_workload_checks_workload_id_at", table_name="workload_checks")
    op.drop_table("workload_checks")
