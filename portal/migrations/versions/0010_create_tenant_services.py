"""create tenant_services (services hosted on the cloud, first the employee-feedback system)

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tenant_services",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "agency_id",
            sa.Integer(),
            sa.ForeignKey("agencies.id", ondelete="RESTRICT", name="fk_tenant_services_agency_id_agencies"),
            nullable=False,
        ),
        sa.Column("code", sa.String(63), nullable=False),
        sa.Column("name_fa", sa.String(300), nullable=False),
        sa.Column("name_en", sa.String(300), nullable=False),
        sa.Column("public_url", sa.String(500), nullable=False),
        sa.Column("chart", sa.String(200), nullable=False),
        sa.Column(
            "workload_id",
            sa.Integer(),
            sa.ForeignKey(
                "workloads.id", ondelete="SET NULL", name="fk_tenant_services_workload_id_workloads"
            ),
            nullable=True,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_tenant_services"),
        sa.UniqueConstraint("code", name="uq_tenant_services_code"),
    )
    op.create_index("ix_tenant_services_agency_id", "tenant_services", ["agency_id"])


def downgrade() -> None:
    op.drop_index("ix_tenant_services_agency_id", table_name="tenant_services")
    op.drop_table("tenant_services")
