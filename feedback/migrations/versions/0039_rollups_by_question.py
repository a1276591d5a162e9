"""rollups shaped by the dashboards' questions: all-time totals, the last 1/7/30/90/365 days, day
series only for the nation, provinces and agencies

Revision ID: 0039
Revises: 0038
Create Date: 2026-12-07

Before, `rollups` held one row per day for every scope at six levels: at the employee level nearly
one row per response, and a national dashboard over 365 days summed a year of every unit's days
(slower than the naive query over the raw rows). Now `rollup_totals` (all-time) and
`rollup_periods` (the last 1, 7, 30, 90 and 365 days ending on `rollup_state.as_of`) hold one row
per scope and period, and `rollups` keeps day series only where a chart draws them. The fold
becomes `feedback_fold_totals` (`feedback/rollups/sql/feedback_fold_totals_v1.sql`), which also
advances the periods to the caller's day. The upgrade folds what is pending with the old function,
then computes the new rows from the raw responses as of today (Tehran).
"""

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from core.dates import tehran_today
from core.migrate import versioned_sql

revision: str = "0039"
down_revision: str | None = "0038"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PERIOD_DAYS = (1, 7, 30, 90, 365)
DAY_LEVELS = ("nation", "province", "agency")
SUMS = "count(*), sum(q1), sum(q2), sum(q3), sum(q4)"
KEYS = {
    "employee": "CAST(employee_id AS VARCHAR)",
    "unit": "agency_code || '/' || unit",
    "agency": "agency_code",
    "county": "county_code",
    "province": "province_code",
    "nation": "'IR'",
}
COLUMNS = "count, sum_q1, sum_q2, sum_q3, sum_q4"


def _sums(*columns: sa.Column) -> list[sa.Column]:
    return [
        *columns,
        sa.Column("count", sa.BigInteger(), nullable=False, server_default="0"),
        *(sa.Column(f"sum_q{n}", sa.BigInteger(), nullable=False, server_default="0") for n in range(1, 5)),
    ]


def _emptied_index(table: str) -> None:
    """Rows a replacement brought to 0, found without a scan (partial index on `count = 0`)."""
    op.create_index(
        f"ix_{table}_emptied",
        table,
        ["level"],
        postgresql_where=sa.text("count = 0"),
        sqlite_where=sa.text("count = 0"),
    )


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute("SELECT feedback_fold_rollups('IR')")
        op.execute("DROP FUNCTION IF EXISTS feedback_fold_rollups(varchar)")
    op.create_table(
        "rollup_totals",
        *_sums(
            sa.Column("level", sa.String(length=10), nullable=False),
            sa.Column("key", sa.String(length=240), nullable=False),
        ),
        sa.Column("last_day", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("level", "key", name="pk_rollup_totals"),
    )
    _emptied_index("rollup_totals")
    op.create_table(
        "rollup_periods",
        *_sums(
            sa.Column("level", sa.String(length=10), nullable=False),
            sa.Column("days", sa.SmallInteger(), nullable=False),
            sa.Column("key", sa.String(length=240), nullable=False),
        ),
        sa.PrimaryKeyConstraint("level", "days", "key", name="pk_rollup_periods"),
    )
    _emptied_index("rollup_periods")
    op.create_table(
        "rollup_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_rollup_state"),
    )
    _emptied_index("rollups")
    _compute(op.get_bind())
    if postgres:
        op.execute(versioned_sql("feedback.rollups", "feedback_fold_totals", 1))


def _compute(connection: sa.Connection) -> None:
    """The new rows from the raw responses, as `rebuild-rollups` would write them."""
    latest = connection.scalar(sa.text("SELECT max(day) FROM responses WHERE status = 'counted'"))
    if latest is None:  # nothing counted yet: the first fold sets `as_of`
        return
    if isinstance(latest, str):  # SQLite returns the text it stores
        latest = dt.date.fromisoformat(latest)
    as_of = max(tehran_today(), latest)
    connection.execute(
        sa.text("INSERT INTO rollup_state (id, as_of) VALUES (1, :d)").bindparams(
            sa.bindparam("d", type_=sa.Date)
        ),
        {"d": as_of},
    )
    levels = ", ".join(f"'{level}'" for level in DAY_LEVELS)
    connection.execute(sa.text(f"DELETE FROM rollups WHERE level NOT IN ({levels})"))  # noqa: S608
    for level, key in KEYS.items():
        group = "" if level == "nation" else f"GROUP BY {key}"
        last_day = "max(day)" if level == "employee" else "NULL"
        connection.execute(
            sa.text(
                f"INSERT INTO rollup_totals (level, key, {COLUMNS}, last_day) "  # noqa: S608
                f"SELECT '{level}', {key}, {SUMS}, {last_day} FROM responses "
                f"WHERE status = 'counted' {group} HAVING count(*) > 0"
            )
        )
        for days in PERIOD_DAYS:
            connection.execute(
                sa.text(
                    f"INSERT INTO rollup_periods (level, days, key, {COLUMNS}) "  # noqa: S608
                    f"SELECT '{level}', {days}, {key}, {SUMS} FROM responses "
                    f"WHERE status = 'counted' AND day > :low AND day <= :high {group} HAVING count(*) > 0"
                ).bindparams(sa.bindparam("low", type_=sa.Date), sa.bindparam("high", type_=sa.Date)),
                {"low": as_of - dt.timedelta(days=days), "high": as_of},
            )


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute("SELECT feedback_fold_totals('IR', CURRENT_DATE)")
        op.execute("DROP FUNCTION IF EXISTS feedback_fold_totals(varchar, date)")
    op.drop_index("ix_rollups_emptied", table_name="rollups")
    for level, key in KEYS.items():  # the per-day rows of the levels that had none
        if level not in DAY_LEVELS:
            op.execute(
                f"INSERT INTO rollups (level, key, day, {COLUMNS}) "  # noqa: S608
                f"SELECT '{level}', {key}, day, {SUMS} FROM responses "
                f"WHERE status = 'counted' GROUP BY {key}, day"
            )
    op.drop_table("rollup_state")
    op.drop_index("ix_rollup_periods_emptied", table_name="rollup_periods")
    op.drop_table("rollup_periods")
    op.drop_index("ix_rollup_totals_emptied", table_name="rollup_totals")
    op.drop_table("rollup_totals")
    if postgres:
        op.execute(versioned_sql("feedback.rollups", "feedback_fold_rollups", 1))
