"""feedback_submit(): a survey submission in one statement on PostgreSQL

Revision ID: 0032
Revises: 0031
Create Date: 2026-11-29

The same steps as `feedback.survey.services._submit_steps` (which the embedded SQLite runs, and
which tests hold this function equal to): the desk check, the two flag rules, replacing the
device's earlier answer of the day, the insert, and the rollup deltas upserted in a fixed order.
One round trip instead of five, and in autocommit one statement is its own transaction.
The function is version 1 of `feedback/survey/sql/feedback_submit_*.sql` (migration 0034 loads
version 2).
"""

from collections.abc import Sequence

from alembic import op

from core.migrate import versioned_sql

revision: str = "0032"
down_revision: str | None = "0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(versioned_sql("feedback.survey", "feedback_submit", 1))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS feedback_submit")
