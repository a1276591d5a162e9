"""feedback_submit version 3: its look-ups read the two days a submission can concern; and
feedback_submit_many, a batch of submissions in one statement

Revision ID: 0050
Revises: 0049
Create Date: 2026-12-07

Version 2's resend look-up (by submission id alone) and the flag rules' two counts (by time alone)
named no day, so each read every monthly partition of `responses` (17 in a fresh database), and
the look-up named no employee (a table distributed by employee would send it to every shard).
Version 3 (`feedback/survey/sql/feedback_submit_v3.sql`) bounds all three to the submission's day
and the day before (a form token lives at most 24 hours; the rules' windows are 10 and 30 minutes)
and names the employee in the resend look-up; it plans its statements once, generically, with the
partitions pruned as each runs (re-planned on every call, the bounded look-ups cost more than they
saved). `feedback_submit_many` (`feedback_submit_many_v1.sql`) takes a JSON array of items, each
`feedback_submit_locked`'s arguments in order, takes every advisory lock of the batch in one global order and
runs the submissions in input order, so the web worker can store concurrent answers in one commit
(issue 17). PostgreSQL only.
"""

from collections.abc import Sequence

from alembic import op

from core.migrate import versioned_sql

revision: str = "0050"
down_revision: str | None = "0049"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(versioned_sql("feedback.survey", "feedback_submit", 3))
        op.execute(versioned_sql("feedback.survey", "feedback_submit_many", 1))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS feedback_submit_many(jsonb)")
        op.execute(versioned_sql("feedback.survey", "feedback_submit", 2))
