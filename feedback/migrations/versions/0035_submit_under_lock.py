"""feedback_submit_locked: a submission's flag rules decided under advisory locks

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-06

The flag rules (a burst of answers for one employee from one network; one device answering for
many employees) count earlier rows. Read without a lock, six answers sent at once all counted
none before them and all counted (issue 22). `feedback_submit_locked` takes a transaction-level
advisory lock on the employee and one on the device, then runs `feedback_submit`; the web app calls
it. The function is `feedback/survey/sql/feedback_submit_locked_v1.sql`.
"""

from collections.abc import Sequence

from alembic import op

from core.migrate import versioned_sql

revision: str = "0035"
down_revision: str | None = "0034"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(versioned_sql("feedback.survey", "feedback_submit_locked", 1))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "DROP FUNCTION IF EXISTS feedback_submit_locked(integer, integer, varchar, varchar, varchar, "
            "smallint, smallint, smallint, smallint, text, timestamptz, date, timestamptz, integer, "
            "varchar, timestamptz, integer, varchar, varchar)"
        )
