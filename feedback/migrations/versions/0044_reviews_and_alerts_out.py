"""create response_reviews (flagged answers confirmed as misuse or released, with who and why);
alerts for every scope and on a sharp drop, sent out of the app (alert_subscriptions.scope_kind and
the kind 'drop', alerts.notified_at,
accounts.bale_chat_id); a missing-code report's owner, deadline and fetched photo

Revision ID: 0044
Revises: 0043
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0044"
down_revision: str | None = "0043"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "response_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.BigInteger(), nullable=False),
        sa.Column("outcome", sa.String(10), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("reviewer", sa.String(254), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("outcome IN ('misuse', 'released')", name="ck_response_reviews_outcome"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_response_reviews")),
        sa.UniqueConstraint("response_id", name=op.f("uq_response_reviews_response_id")),
    )
    op.add_column(
        "alert_subscriptions", sa.Column("scope_kind", sa.String(16), nullable=False, server_default="unit")
    )
    op.add_column("alerts", sa.Column("notified_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("accounts", sa.Column("bale_chat_id", sa.BigInteger(), nullable=True))
    _alert_kinds("kind IN ('low_responses', 'low_score', 'drop')")
    op.add_column("missing_code_reports", sa.Column("owner", sa.String(254), nullable=True))
    op.add_column("missing_code_reports", sa.Column("deadline", sa.Date(), nullable=True))
    op.add_column("missing_code_reports", sa.Column("photo_key", sa.String(64), nullable=True))


def _alert_kinds(condition: str) -> None:
    """A new alert kind: the CHECK rewritten (SQLite: the table copied, as it cannot alter one)."""
    name = op.f("ck_alert_subscriptions_kind")
    with op.batch_alter_table("alert_subscriptions") as batch:
        batch.drop_constraint(name, type_="check")
        batch.create_check_constraint(name, condition)


def downgrade() -> None:
    op.execute("DELETE FROM alert_subscriptions WHERE kind = 'drop'")
    _alert_kinds("kind IN ('low_responses', 'low_score')")
    with op.batch_alter_table("missing_code_reports") as batch:
        batch.drop_column("photo_key")
        batch.drop_column("deadline")
        batch.drop_column("owner")
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("bale_chat_id")
    with op.batch_alter_table("alerts") as batch:
        batch.drop_column("notified_at")
    with op.batch_alter_table("alert_subscriptions") as batch:
        batch.drop_column("scope_kind")
    op.drop_table("response_reviews")
