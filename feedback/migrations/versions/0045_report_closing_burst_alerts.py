"""a missing-code report closed as a duplicate (of another tracking number) or rejected, with the
reason kept on the report; the alert kind 'burst' (a burst of low scores); where an alert was
acknowledged (the dashboard or Bale)

Revision ID: 0045
Revises: 0044
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0045"
down_revision: str | None = "0044"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _check(table: str, name: str, condition: str) -> None:
    """A CHECK rewritten (SQLite: the table copied, as it cannot alter one). The old one is found by
    its column, as migration 0010 named the reports' own with the table's prefix twice."""
    column = condition.split()[0]
    old = [
        c["name"]
        for c in sa.inspect(op.get_bind()).get_check_constraints(table)
        if c["name"] and c["sqltext"].strip("() ").startswith(column)
    ]
    with op.batch_alter_table(table) as batch:
        for found in old:
            batch.drop_constraint(op.f(found), type_="check")
        batch.create_check_constraint(op.f(f"ck_{table}_{name}"), condition)


def upgrade() -> None:
    op.add_column("missing_code_reports", sa.Column("reason", sa.Text(), nullable=True))
    op.add_column("missing_code_reports", sa.Column("duplicate_of", sa.String(16), nullable=True))
    _check(
        "missing_code_reports",
        "status",
        "status IN ('open', 'verified', 'resolved', 'duplicate', 'rejected')",
    )
    _check("alert_subscriptions", "kind", "kind IN ('low_responses', 'low_score', 'drop', 'burst')")
    op.add_column("alerts", sa.Column("acknowledged_via", sa.String(8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("alerts") as batch:
        batch.drop_column("acknowledged_via")
    op.execute("DELETE FROM alert_subscriptions WHERE kind = 'burst'")
    _check("alert_subscriptions", "kind", "kind IN ('low_responses', 'low_score', 'drop')")
    op.execute(
        "UPDATE missing_code_reports SET status = 'resolved' WHERE status IN ('duplicate', 'rejected')"
    )
    _check("missing_code_reports", "status", "status IN ('open', 'verified', 'resolved')")
    with op.batch_alter_table("missing_code_reports") as batch:
        batch.drop_column("duplicate_of")
        batch.drop_column("reason")
