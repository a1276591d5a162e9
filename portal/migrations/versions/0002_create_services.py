"""create services (e-services and inquiries)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "services",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("name_fa", sa.String(300), nullable=False),
        sa.Column("name_en", sa.String(300), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("audience", sa.String(16), nullable=False),
        sa.Column("channels", sa.JSON(), nullable=False),
        sa.Column("maturity", sa.SmallInteger(), nullable=False),
        sa.Column("online_m2m", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("yearly_volume", sa.BigInteger(), nullable=True),
        sa.Column("public_url", sa.String(500), nullable=False),
        sa.Column("owner_name", sa.String(200), nullable=False),
        sa.Column("owner_email", sa.String(200), nullable=False),
        sa.Column("owner_phone", sa.String(50), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint("maturity BETWEEN 0 AND 4", name=op.f("ck_services_maturity_range")),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_services_agency_id_agencies"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_services")),
        sa.UniqueConstraint("agency_id", "code", name=op.f("uq_services_agency_id")),
    )
    op.create_index(op.f("ix_services_agency_id"), "services", ["agency_id"])
    op.create_index(op.f("ix_services_kind"), "services", ["kind"])
    op.create_index(op.f("ix_services_maturity"), "services", ["maturity"])
    op.create_index(op.f("ix_services_status"), "services", ["status"])


def downgrade() -> None:
    op.drop_table("services")
