"""create compliance: programs, milestones, snapshots, notifications

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _timestamps() -> list[sa.Column]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "compliance_programs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("title_fa", sa.String(300), nullable=False),
        sa.Column("title_en", sa.String(300), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_compliance_programs")),
        sa.UniqueConstraint("code", name=op.f("uq_compliance_programs_code")),
    )
    op.create_table(
        "compliance_milestones",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("title_fa", sa.String(300), nullable=False),
        sa.Column("title_en", sa.String(300), nullable=False),
        sa.Column("metric", sa.String(64), nullable=False),
        sa.Column("target_kind", sa.String(16), nullable=False),
        sa.Column("target", sa.Float(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("scope_kinds", sa.JSON(), nullable=False),
        sa.Column("remind_days_before", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["compliance_programs.id"],
            name=op.f("fk_compliance_milestones_program_id_compliance_programs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_compliance_milestones")),
        sa.UniqueConstraint("program_id", "code", name=op.f("uq_compliance_milestones_program_id")),
    )
    op.create_index(op.f("ix_compliance_milestones_program_id"), "compliance_milestones", ["program_id"])
    op.create_table(
        "compliance_snapshots",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("milestone_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("numerator", sa.Integer(), nullable=False),
        sa.Column("denominator", sa.Integer(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("projected", sa.Float(), nullable=True),
        sa.Column("group_numerator", sa.Integer(), nullable=False),
        sa.Column("group_denominator", sa.Integer(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
            name=op.f("fk_compliance_snapshots_agency_id_agencies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["milestone_id"],
            ["compliance_milestones.id"],
            name=op.f("fk_compliance_snapshots_milestone_id_compliance_milestones"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_compliance_snapshots")),
        sa.UniqueConstraint(
            "agency_id", "milestone_id", "day", name=op.f("uq_compliance_snapshots_agency_id")
        ),
    )
    op.create_index(op.f("ix_compliance_snapshots_milestone_id"), "compliance_snapshots", ["milestone_id"])
    op.create_index(op.f("ix_compliance_snapshots_day"), "compliance_snapshots", ["day"])
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("milestone_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("dedupe_key", sa.String(128), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("email_status", sa.String(16), nullable=False),
        sa.Column("email_attempts", sa.Integer(), nullable=False),
        sa.Column("email_error", sa.Text(), nullable=False),
        sa.Column("emailed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
            name=op.f("fk_notifications_agency_id_agencies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["milestone_id"],
            ["compliance_milestones.id"],
            name=op.f("fk_notifications_milestone_id_compliance_milestones"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint("agency_id", "dedupe_key", name=op.f("uq_notifications_agency_id")),
    )
    op.create_index(op.f("ix_notifications_agency_id"), "notifications", ["agency_id"])
    op.create_index(op.f("ix_notifications_milestone_id"), "notifications", ["milestone_id"])
    op.create_index(op.f("ix_notifications_email_status"), "notifications", ["email_status"])


def downgrade() -> None:
    op.drop_table("notifications")
    op.drop_table("compliance_snapshots")
    op.drop_table("compliance_milestones")
    op.drop_table("compliance_programs")
