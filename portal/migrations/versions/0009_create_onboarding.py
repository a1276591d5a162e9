"""create onboarding

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "data_centers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("location", sa.String(length=300), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column(
            "status",
            sa.Enum("active", "retiring", "retired", name="datacenterstatus", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
            name=op.f("fk_data_centers_agency_id_agencies"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_centers")),
        sa.UniqueConstraint("agency_id", "name", name=op.f("uq_data_centers_agency_id")),
    )
    op.create_index(op.f("ix_data_centers_agency_id"), "data_centers", ["agency_id"], unique=False)
    op.create_index(op.f("ix_data_centers_status"), "data_centers", ["status"], unique=False)
    op.create_table(
        "migration_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("cloud_plan", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
            name=op.f("fk_migration_plans_agency_id_agencies"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_migration_plans")),
        sa.UniqueConstraint("agency_id", "name", name=op.f("uq_migration_plans_agency_id")),
    )
    op.create_index(op.f("ix_migration_plans_agency_id"), "migration_plans", ["agency_id"], unique=False)
    op.create_table(
        "tenant_spaces",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("namespace", sa.String(length=63), nullable=False),
        sa.Column("cloud_plan", sa.String(length=16), nullable=False),
        sa.Column(
            "status",
            sa.Enum("provisioning", "ready", name="tenantstatus", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
            name=op.f("fk_tenant_spaces_agency_id_agencies"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tenant_spaces")),
        sa.UniqueConstraint("agency_id", name=op.f("uq_tenant_spaces_agency_id")),
        sa.UniqueConstraint("namespace", name=op.f("uq_tenant_spaces_namespace")),
    )
    op.create_table(
        "waves",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("target_date", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["migration_plans.id"],
            name=op.f("fk_waves_plan_id_migration_plans"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_waves")),
        sa.UniqueConstraint("plan_id", "number", name=op.f("uq_waves_plan_id")),
    )
    op.create_index(op.f("ix_waves_plan_id"), "waves", ["plan_id"], unique=False)
    op.create_table(
        "workloads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("data_center_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=63), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column(
            "classification",
            sa.Enum(
                "public", "internal", "confidential", name="classification", native_enum=False, length=32
            ),
            nullable=False,
        ),
        sa.Column("components", sa.JSON(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "in_data_center", "migrating", "migrated", name="workloadstatus", native_enum=False, length=32
            ),
            nullable=False,
        ),
        sa.Column("legacy_retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_workloads_agency_id_agencies"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["data_center_id"],
            ["data_centers.id"],
            name=op.f("fk_workloads_data_center_id_data_centers"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workloads")),
        sa.UniqueConstraint("agency_id", "name", name=op.f("uq_workloads_agency_id")),
    )
    op.create_index(op.f("ix_workloads_agency_id"), "workloads", ["agency_id"], unique=False)
    op.create_index(op.f("ix_workloads_data_center_id"), "workloads", ["data_center_id"], unique=False)
    op.create_index(op.f("ix_workloads_status"), "workloads", ["status"], unique=False)
    op.create_table(
        "assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workload_id", sa.Integer(), nullable=False),
        sa.Column("questionnaire_version", sa.String(length=16), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("risks", sa.JSON(), nullable=False),
        sa.Column(
            "recommended",
            sa.Enum(
                "rehost",
                "replatform",
                "refactor",
                "repurchase",
                "retain",
                "retire",
                name="strategy",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column(
            "strategy",
            sa.Enum(
                "rehost",
                "replatform",
                "refactor",
                "repurchase",
                "retain",
                "retire",
                name="strategy",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("override_reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["workload_id"],
            ["workloads.id"],
            name=op.f("fk_assessments_workload_id_workloads"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessments")),
    )
    op.create_index(op.f("ix_assessments_workload_id"), "assessments", ["workload_id"], unique=True)
    op.create_table(
        "migration_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("workload_id", sa.Integer(), nullable=False),
        sa.Column("wave_id", sa.Integer(), nullable=True),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("backend", sa.String(length=16), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "running",
                "rolling_back",
                "succeeded",
                "rolled_back",
                "cancelled",
                "failed",
                name="runstatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("cancel_requested", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
            name=op.f("fk_migration_runs_agency_id_agencies"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant_spaces.id"],
            name=op.f("fk_migration_runs_tenant_id_tenant_spaces"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["wave_id"], ["waves.id"], name=op.f("fk_migration_runs_wave_id_waves"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["workload_id"],
            ["workloads.id"],
            name=op.f("fk_migration_runs_workload_id_workloads"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_migration_runs")),
    )
    op.create_index(op.f("ix_migration_runs_agency_id"), "migration_runs", ["agency_id"], unique=False)
    op.create_index(op.f("ix_migration_runs_status"), "migration_runs", ["status"], unique=False)
    op.create_index(op.f("ix_migration_runs_wave_id"), "migration_runs", ["wave_id"], unique=False)
    op.create_index(op.f("ix_migration_runs_workload_id"), "migration_runs", ["workload_id"], unique=False)
    # At most one active run per workload, even when two requests race past the service's check.
    op.create_index(
        "uq_migration_runs_active_workload",
        "migration_runs",
        ["workload_id"],
        unique=True,
        postgresql_where=sa.text("status IN ('pending', 'running', 'rolling_back')"),
        sqlite_where=sa.text("status IN ('pending', 'running', 'rolling_back')"),
    )
    op.create_table(
        "wave_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("wave_id", sa.Integer(), nullable=False),
        sa.Column("workload_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["migration_plans.id"],
            name=op.f("fk_wave_entries_plan_id_migration_plans"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["wave_id"], ["waves.id"], name=op.f("fk_wave_entries_wave_id_waves"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["workload_id"],
            ["workloads.id"],
            name=op.f("fk_wave_entries_workload_id_workloads"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wave_entries")),
        sa.UniqueConstraint("plan_id", "workload_id", name=op.f("uq_wave_entries_plan_id")),
    )
    op.create_index(op.f("ix_wave_entries_plan_id"), "wave_entries", ["plan_id"], unique=False)
    op.create_index(op.f("ix_wave_entries_wave_id"), "wave_entries", ["wave_id"], unique=False)
    op.create_index(op.f("ix_wave_entries_workload_id"), "wave_entries", ["workload_id"], unique=False)
    op.create_table(
        "workload_dependencies",
        sa.Column("workload_id", sa.Integer(), nullable=False),
        sa.Column("depends_on_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["depends_on_id"],
            ["workloads.id"],
            name=op.f("fk_workload_dependencies_depends_on_id_workloads"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workload_id"],
            ["workloads.id"],
            name=op.f("fk_workload_dependencies_workload_id_workloads"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("workload_id", "depends_on_id", name=op.f("pk_workload_dependencies")),
    )
    op.create_table(
        "workload_inquiries",
        sa.Column("workload_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["services.id"],
            name=op.f("fk_workload_inquiries_service_id_services"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workload_id"],
            ["workloads.id"],
            name=op.f("fk_workload_inquiries_workload_id_workloads"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("workload_id", "service_id", name=op.f("pk_workload_inquiries")),
    )
    op.create_table(
        "workload_services",
        sa.Column("workload_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["services.id"],
            name=op.f("fk_workload_services_service_id_services"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workload_id"],
            ["workloads.id"],
            name=op.f("fk_workload_services_workload_id_workloads"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("workload_id", "service_id", name=op.f("pk_workload_services")),
    )
    op.create_table(
        "migration_run_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("step", sa.String(length=32), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["migration_runs.id"],
            name=op.f("fk_migration_run_log_run_id_migration_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_migration_run_log")),
    )
    op.create_index(op.f("ix_migration_run_log_run_id"), "migration_run_log", ["run_id"], unique=False)
    op.create_table(
        "migration_run_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "running",
                "succeeded",
                "failed",
                "rolled_back",
                name="stepstatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("outcome", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["migration_runs.id"],
            name=op.f("fk_migration_run_steps_run_id_migration_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_migration_run_steps")),
        sa.UniqueConstraint("run_id", "position", name=op.f("uq_migration_run_steps_run_id")),
    )
    op.create_index(op.f("ix_migration_run_steps_run_id"), "migration_run_steps", ["run_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_migration_run_steps_run_id"), table_name="migration_run_steps")
    op.drop_table("migration_run_steps")
    op.drop_index(op.f("ix_migration_run_log_run_id"), table_name="migration_run_log")
    op.drop_table("migration_run_log")
    op.drop_table("workload_services")
    op.drop_table("workload_inquiries")
    op.drop_table("workload_dependencies")
    op.drop_index(op.f("ix_wave_entries_workload_id"), table_name="wave_entries")
    op.drop_index(op.f("ix_wave_entries_wave_id"), table_name="wave_entries")
    op.drop_index(op.f("ix_wave_entries_plan_id"), table_name="wave_entries")
    op.drop_table("wave_entries")
    op.drop_index("uq_migration_runs_active_workload", table_name="migration_runs")
    op.drop_index(op.f("ix_migration_runs_workload_id"), table_name="migration_runs")
    op.drop_index(op.f("ix_migration_runs_wave_id"), table_name="migration_runs")
    op.drop_index(op.f("ix_migration_runs_status"), table_name="migration_runs")
    op.drop_index(op.f("ix_migration_runs_agency_id"), table_name="migration_runs")
    op.drop_table("migration_runs")
    op.drop_index(op.f("ix_assessments_workload_id"), table_name="assessments")
    op.drop_table("assessments")
    op.drop_index(op.f("ix_workloads_status"), table_name="workloads")
    op.drop_index(op.f("ix_workloads_data_center_id"), table_name="workloads")
    op.drop_index(op.f("ix_workloads_agency_id"), table_name="workloads")
    op.drop_table("workloads")
    op.drop_index(op.f("ix_waves_plan_id"), table_name="waves")
    op.drop_table("waves")
    op.drop_table("tenant_spaces")
    op.drop_index(op.f("ix_migration_plans_agency_id"), table_name="migration_plans")
    op.drop_table("migration_plans")
    op.drop_index(op.f("ix_data_centers_status"), table_name="data_centers")
    op.drop_index(op.f("ix_data_centers_agency_id"), table_name="data_centers")
    op.drop_table("data_centers")
