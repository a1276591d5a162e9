"""services counted by agency (service_counts), kept by statement triggers on services on
PostgreSQL, for the service list's totals and deep pages without counting every row per request

The trigger function is `catalog/sql/service_counts_apply_v1.sql`.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from core.migrate import versioned_sql

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "service_counts",
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("services", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
            name=op.f("fk_service_counts_agency_id_agencies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("agency_id", name=op.f("pk_service_counts")),
    )
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(versioned_sql("catalog", "service_counts_apply", 1))
    op.execute(
        "CREATE TRIGGER service_counts_insert AFTER INSERT ON services REFERENCING NEW TABLE AS new_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION service_counts_apply()"
    )
    op.execute(
        "CREATE TRIGGER service_counts_delete AFTER DELETE ON services REFERENCING OLD TABLE AS old_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION service_counts_apply()"
    )
    op.execute(
        "CREATE TRIGGER service_counts_move AFTER UPDATE ON services "
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION service_counts_apply()"
    )
    op.execute(
        "CREATE TRIGGER service_counts_truncate AFTER TRUNCATE ON services "
        "FOR EACH STATEMENT EXECUTE FUNCTION service_counts_apply()"
    )
    op.execute(
        "INSERT INTO service_counts (agency_id, services) "
        "SELECT agency_id, count(*) FROM services GROUP BY agency_id"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name in ("insert", "delete", "move", "truncate"):
            op.execute(f"DROP TRIGGER service_counts_{name} ON services")
        op.execute("DROP FUNCTION service_counts_apply()")
    op.drop_table("service_counts")
