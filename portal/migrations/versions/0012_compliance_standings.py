"""compliance standings and totals: each program's matrix rows and per-scope status counts, written
with the day's snapshots so the dashboard pages in SQL (plain tables and indexes: SQLite and PostgreSQL)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "compliance_standings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("name_fa", sa.String(300), nullable=False),
        sa.Column("name_en", sa.String(300), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("province_code", sa.String(8), nullable=True),
        sa.Column("ministry_id", sa.Integer(), nullable=True),
        sa.Column("ministry_name_fa", sa.String(300), nullable=False),
        sa.Column("ministry_name_en", sa.String(300), nullable=False),
        sa.Column("has_children", sa.Boolean(), nullable=False),
        sa.Column("worst_rank", sa.Integer(), nullable=False),
        sa.Column("mean_value", sa.Float(), nullable=True),
        sa.Column("laggard_key", sa.Float(), nullable=False),
        sa.Column("status_mask", sa.Integer(), nullable=False),
        sa.Column("search_key", sa.String(700), nullable=False),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["compliance_programs.id"],
            name=op.f("fk_compliance_standings_program_id_compliance_programs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
            name=op.f("fk_compliance_standings_agency_id_agencies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_compliance_standings")),
        sa.UniqueConstraint(
            "program_id", "day", "agency_id", name=op.f("uq_compliance_standings_program_id")
        ),
    )
    op.create_index(op.f("ix_compliance_standings_agency_id"), "compliance_standings", ["agency_id"])
    op.create_index(
        "ix_compliance_standings_laggards",
        "compliance_standings",
        ["program_id", "day", "laggard_key", "name_fa", "agency_id"],
    )
    op.create_index(
        "ix_compliance_standings_name", "compliance_standings", ["program_id", "day", "name_fa", "agency_id"]
    )
    op.create_index(
        "ix_compliance_standings_province",
        "compliance_standings",
        ["program_id", "day", "province_code", "laggard_key"],
    )
    op.create_index(
        "ix_compliance_standings_ministry",
        "compliance_standings",
        ["program_id", "day", "ministry_id", "laggard_key"],
    )
    op.create_table(
        "compliance_totals",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("ministry_id", sa.Integer(), nullable=True),
        sa.Column("province_code", sa.String(8), nullable=True),
        sa.Column("milestone_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("agencies", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["compliance_programs.id"],
            name=op.f("fk_compliance_totals_program_id_compliance_programs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["milestone_id"],
            ["compliance_milestones.id"],
            name=op.f("fk_compliance_totals_milestone_id_compliance_milestones"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_compliance_totals")),
    )
    op.create_index(
        "ix_compliance_totals_scope",
        "compliance_totals",
        ["program_id", "day", "ministry_id", "province_code"],
    )


def downgrade() -> None:
    op.drop_index("ix_compliance_totals_scope", table_name="compliance_totals")
    op.drop_table("compliance_totals")
    for name in ("ministry", "province", "name", "laggards"):
        op.drop_index(f"ix_compliance_standings_{name}", table_name="compliance_standings")
    op.drop_index(op.f("ix_compliance_standings_agency_id"), table_name="compliance_standings")
    op.drop_table("compliance_standings")
