"""feedback_fold_totals returns at once when nothing is pending; the responses' unique keys name the
employee

Revision ID: 0047
Revises: 0046
Create Date: 2026-12-07

Every dashboard read calls the fold first (so a page is exact as of its read); with the worker
folding every two seconds there is usually nothing to fold, and version 1 still took its locks and
ran its five-statement fold over no rows. Version 2
(`feedback/rollups/sql/feedback_fold_totals_v2.sql`) checks first.

Migration 0040 made the keys hold within one day's partition ((id, day), (submission_id, day)); a
table distributed by employee (Citus, docs/feedback-scale.md) needs every unique key to hold within
one employee's rows, i.e. to name `employee_id` as well. Ids come from one sequence and a
submission id is made for one desk's form, so nothing that was unique stops being so, and the look-ups
by id or by submission id keep their index (its leading column). The rebuild of the two indexes
takes minutes per ten million rows. PostgreSQL only (SQLite keeps its plain table).
"""

from collections.abc import Sequence

from alembic import op

from core.migrate import versioned_sql

revision: str = "0047"
down_revision: str | None = "0046"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _keys(primary: str, submission: str) -> None:
    op.execute(
        "ALTER TABLE responses DROP CONSTRAINT pk_responses,"
        " DROP CONSTRAINT uq_responses_submission_id,"
        f" ADD CONSTRAINT pk_responses PRIMARY KEY ({primary}),"
        f" ADD CONSTRAINT uq_responses_submission_id UNIQUE ({submission})"
    )


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(versioned_sql("feedback.rollups", "feedback_fold_totals", 2))
    _keys("id, day, employee_id", "submission_id, day, employee_id")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    _keys("id, day", "submission_id, day")
    op.execute(versioned_sql("feedback.rollups", "feedback_fold_totals", 1))
