"""rollup_deltas: a submission appends its rollup change; one fold at a time applies them

Revision ID: 0034
Revises: 0033
Create Date: 2026-11-29

Before, every submission upserted six rollup rows (employee up to the nation) inside its own
transaction, and so held the nation's row lock through its commit: every submission in the country
queued on that one row, through the WAL flush, and the six non-HOT updates were a third of the
database's work per submission. Now `feedback_submit` appends one row per change (two for a
replacement) to `rollup_deltas`, and `feedback_fold_rollups` applies the pending rows in one
set-based statement: the periodic task does (every two seconds), and so does every reader first
(dashboards, the transparency page, alerts), so what they show is exact as of the read.

It also drops the foreign keys from `responses` to `employees` and `employee_codes`. Nothing deletes
an employee or a code (they are deactivated and replaced), `feedback_submit` reads both rows in the
same statement that inserts, and the keys' checks locked the employee's and the code's row on every
answer (a shared row lock written to the page; a MultiXact when two phones answer one desk at once),
another fifth of the database's work per submission.

PostgreSQL only for the functions; the embedded SQLite keeps applying rollups in the submission's
own transaction (it has one writer at a time anyway) and never writes a delta. The functions are
`feedback/survey/sql/feedback_submit_v2.sql` and `feedback/rollups/sql/feedback_fold_rollups_v1.sql`.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from core.migrate import versioned_sql

revision: str = "0034"
down_revision: str | None = "0033"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rollup_deltas",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(length=200), nullable=False),
        sa.Column("agency_code", sa.String(length=16), nullable=False),
        sa.Column("county_code", sa.String(length=16), nullable=False),
        sa.Column("province_code", sa.String(length=8), nullable=False),
        sa.Column("n", sa.SmallInteger(), nullable=False),
        sa.Column("q1", sa.SmallInteger(), nullable=False),
        sa.Column("q2", sa.SmallInteger(), nullable=False),
        sa.Column("q3", sa.SmallInteger(), nullable=False),
        sa.Column("q4", sa.SmallInteger(), nullable=False),
    )
    with op.batch_alter_table("responses") as batch:
        batch.drop_constraint("fk_responses_employee_id_employees", type_="foreignkey")
        batch.drop_constraint("fk_responses_code_id_employee_codes", type_="foreignkey")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(versioned_sql("feedback.survey", "feedback_submit", 2))
        op.execute(versioned_sql("feedback.rollups", "feedback_fold_rollups", 1))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # fold what is pending, so the rollups are whole again before the old function returns
        op.execute("SELECT feedback_fold_rollups('IR')")
        op.execute("DROP FUNCTION IF EXISTS feedback_fold_rollups")
        op.execute(versioned_sql("feedback.survey", "feedback_submit", 1))
    with op.batch_alter_table("responses") as batch:
        batch.create_foreign_key(
            "fk_responses_employee_id_employees", "employees", ["employee_id"], ["id"], ondelete="CASCADE"
        )
        batch.create_foreign_key(
            "fk_responses_code_id_employee_codes", "employee_codes", ["code_id"], ["id"], ondelete="CASCADE"
        )
    op.drop_table("rollup_deltas")
