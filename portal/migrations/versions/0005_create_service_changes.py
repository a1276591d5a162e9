"""create service_changes (the append-only history of every e-service)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PG_GUARD = """
CREATE FUNCTION service_changes_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'service_changes is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER service_changes_append_only BEFORE UPDATE OR DELETE ON service_changes
  FOR EACH ROW EXECUTE FUNCTION service_changes_append_only();
"""
SQLITE_GUARDS = (
    "CREATE TRIGGER service_changes_no_update BEFORE UPDATE ON service_changes "
    "BEGIN SELECT RAISE(ABORT, 'service_changes is append-only'); END",
    "CREATE TRIGGER service_changes_no_delete BEFORE DELETE ON service_changes "
    "BEGIN SELECT RAISE(ABORT, 'service_changes is append-only'); END",
)


def upgrade() -> None:
    op.create_table(
        "service_changes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_label", sa.String(200), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("via", sa.String(16), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["services.id"],
            name=op.f("fk_service_changes_service_id_services"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
            name=op.f("fk_service_changes_agency_id_agencies"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_changes")),
    )
    op.create_index(op.f("ix_service_changes_service_id"), "service_changes", ["service_id"])
    op.create_index(op.f("ix_service_changes_agency_id"), "service_changes", ["agency_id"])
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(PG_GUARD)
    elif dialect == "sqlite":
        for statement in SQLITE_GUARDS:
            op.execute(statement)


def downgrade() -> None:
    op.drop_table("service_changes")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION service_changes_append_only()")
