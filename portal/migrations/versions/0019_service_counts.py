"""services counted by agency (service_counts), kept by statement triggers on services on
PostgreSQL, for the service list's totals and deep pages without counting every row per request

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# One statement-level trigger a kind of write, reading its transition tables: a COPY of 100,000
# services updates each agency's row once. Rows are changed in agency order so two writers over
# several agencies take their locks in the same order.
_FUNCTION = """
CREATE FUNCTION service_counts_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO service_counts AS c (agency_id, services)
        SELECT agency_id, count(*) FROM new_rows GROUP BY agency_id ORDER BY agency_id
        ON CONFLICT (agency_id) DO UPDATE SET services = c.services + EXCLUDED.services;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE service_counts AS c SET services = c.services - gone.n
        FROM (SELECT agency_id, count(*) AS n FROM old_rows GROUP BY agency_id) AS gone
        WHERE c.agency_id = gone.agency_id;
    ELSIF TG_OP = 'UPDATE' THEN  -- only a service moved to another agency changes a count
        INSERT INTO service_counts AS c (agency_id, services)
        SELECT agency_id, sum(n) FROM (
            SELECT agency_id, 1 AS n FROM new_rows UNION ALL SELECT agency_id, -1 FROM old_rows
        ) AS moved GROUP BY agency_id HAVING sum(n) <> 0 ORDER BY agency_id
        ON CONFLICT (agency_id) DO UPDATE SET services = c.services + EXCLUDED.services;
    ELSE  -- TRUNCATE
        DELETE FROM service_counts;
    END IF;
    RETURN NULL;
END $$
"""


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
    op.execute(_FUNCTION)
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
