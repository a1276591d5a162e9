"""create probe_targets, probe_results, probe_daily; milestones may require evidence

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _service_fk(table: str) -> sa.Column:
    return sa.Column(
        "service_id",
        sa.Integer(),
        sa.ForeignKey("services.id", ondelete="CASCADE", name=f"fk_{table}_service_id_services"),
        nullable=False,
    )


def _agency_fk(table: str) -> sa.Column:
    return sa.Column(
        "agency_id",
        sa.Integer(),
        sa.ForeignKey("agencies.id", ondelete="CASCADE", name=f"fk_{table}_agency_id_agencies"),
        nullable=False,
    )


def upgrade() -> None:
    op.create_table(
        "probe_targets",
        _service_fk("probe_targets"),
        sa.Column("interval_seconds", sa.Integer(), nullable=False),
        sa.Column("expect_status_class", sa.SmallInteger(), nullable=False),
        sa.Column("expect_text", sa.String(200), nullable=False),
        sa.Column("expect_openapi", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("next_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("service_id", name="pk_probe_targets"),
    )
    op.create_index("ix_probe_targets_next_due_at", "probe_targets", ["next_due_at"])
    op.create_table(
        "probe_results",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        _service_fk("probe_results"),
        _agency_fk("probe_results"),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("up", sa.Boolean(), nullable=False),
        sa.Column("status_code", sa.SmallInteger(), nullable=True),
        sa.Column("latency_ms", sa.Integer(), nullable=False),
        sa.Column("error_class", sa.String(32), nullable=False),
        sa.Column("error_detail", sa.String(300), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_probe_results"),
    )
    op.create_index("ix_probe_results_service_id_at", "probe_results", ["service_id", "at"])
    op.create_index("ix_probe_results_agency_id", "probe_results", ["agency_id"])
    op.create_index("ix_probe_results_at", "probe_results", ["at"])
    op.create_table(
        "probe_daily",
        _service_fk("probe_daily"),
        sa.Column("day", sa.Date(), nullable=False),
        _agency_fk("probe_daily"),
        sa.Column("probes", sa.Integer(), nullable=False),
        sa.Column("up", sa.Integer(), nullable=False),
        sa.Column("latency_p50_ms", sa.Float(), nullable=True),
        sa.Column("latency_p95_ms", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("service_id", "day", name="pk_probe_daily"),
    )
    op.create_index("ix_probe_daily_agency_id", "probe_daily", ["agency_id"])
    with op.batch_alter_table("compliance_milestones") as batch:
        batch.add_column(
            sa.Column("evidence_required", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("evidence_window_days", sa.Integer(), nullable=False, server_default="7"))
        batch.add_column(
            sa.Column("evidence_min_availability", sa.Float(), nullable=False, server_default="0.95")
        )


def downgrade() -> None:
    with op.batch_alter_table("compliance_milestones") as batch:
        batch.drop_column("evidence_min_availability")
        batch.drop_column("evidence_window_days")
        batch.drop_column("evidence_required")
    op.drop_index("ix_probe_daily_agency_id", table_name="probe_daily")
    op.drop_table("probe_daily")
    op.drop_index("ix_probe_results_at", table_name="probe_results")
    op.drop_index("ix_probe_results_agency_id", table_name="probe_results")
    op.drop_index("ix_probe_results_service_id_at", table_name="probe_results")
    op.drop_table("probe_results")
    op.drop_index("ix_probe_targets_next_due_at", table_name="probe_targets")
    op.drop_table("probe_targets")
