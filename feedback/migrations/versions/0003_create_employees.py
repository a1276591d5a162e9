"""create employees and local counties

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _timestamps() -> list[sa.Column]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    ]


def upgrade() -> None:
    op.create_table(
        "employees",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("employment_code", sa.String(32), nullable=False),
        sa.Column("national_code", sa.String(10), nullable=False),
        sa.Column("first_name", sa.String(100), nullable=False),
        sa.Column("last_name", sa.String(100), nullable=False),
        sa.Column("gender", sa.String(6), nullable=True),
        sa.Column("position", sa.String(200), nullable=False),
        sa.Column("unit", sa.String(200), nullable=False),
        sa.Column("agency_code", sa.String(16), nullable=False),
        sa.Column("province_code", sa.String(8), nullable=False),
        sa.Column("county_code", sa.String(16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("import_run", sa.String(32), nullable=True),
        sa.Column("import_line", sa.Integer(), nullable=True),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_employees")),
        sa.UniqueConstraint("employment_code", name=op.f("uq_employees_employment_code")),
    )
    op.create_index(op.f("ix_employees_agency_code"), "employees", ["agency_code"])
    op.create_index(op.f("ix_employees_province_code"), "employees", ["province_code"])
    op.create_index("ix_employees_agency_unit", "employees", ["agency_code", "unit"])
    op.create_table(
        "local_counties",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("province_code", sa.String(8), nullable=False),
        sa.Column("code", sa.String(16), nullable=False),
        sa.Column("name_fa", sa.String(100), nullable=False),
        sa.Column("name_en", sa.String(100), nullable=False, server_default=""),
        sa.Column("name_key", sa.String(100), nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_local_counties")),
        sa.UniqueConstraint("code", name=op.f("uq_local_counties_code")),
        sa.UniqueConstraint("province_code", "name_key", name="uq_local_counties_province_name"),
    )


def downgrade() -> None:
    op.drop_table("local_counties")
    op.drop_index("ix_employees_agency_unit", table_name="employees")
    op.drop_index(op.f("ix_employees_province_code"), table_name="employees")
    op.drop_index(op.f("ix_employees_agency_code"), table_name="employees")
    op.drop_table("employees")
