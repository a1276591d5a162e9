"""responses partitioned by month on PostgreSQL; no constraint spans an employee's rows

Revision ID: 0040
Revises: 0039
Create Date: 2026-12-07

`responses` becomes a table partitioned by range of `day`, one partition per month
(`responses_pYYYYMM`) and `responses_default` for days no partition covers; the feedback worker
creates months ahead and drops those past `GOVCLOUD_FEEDBACK_RETENTION_MONTHS`
(`feedback/survey/partitions.py`). A partitioned table's unique keys must hold the partition key,
and a later distribution by employee needs each key to hold within one employee's rows, so:
the primary key becomes (id, day); the global unique `submission_id` becomes unique per day, and
`feedback_submit` finds a resend on another day by its look-up under the employee's advisory lock;
the self-reference `replaced_by_id` keeps its column but loses its foreign key (it names a response
of the same employee and day). SQLite keeps the plain table.

The upgrade copies the rows into the new table (minutes per ten million rows: run it in a
maintenance window) with partitions for every month that has rows, from a year back and three ahead.
"""

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from core.dates import tehran_today

revision: str = "0040"
down_revision: str | None = "0039"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    "CREATE INDEX ix_responses_day ON responses (day)",
    "CREATE INDEX ix_responses_device ON responses (device_hash, created_at)",
    "CREATE INDEX ix_responses_employee_ip ON responses (employee_id, ip_hash, created_at)",
    "CREATE UNIQUE INDEX uq_responses_one_counted ON responses (employee_id, device_hash, day)"
    " WHERE status = 'counted'",
)


def _months(first: dt.date, last: dt.date) -> list[dt.date]:
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return months


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    connection = op.get_bind()
    op.execute("ALTER SEQUENCE responses_id_seq OWNED BY NONE")
    op.execute("ALTER TABLE responses RENAME TO responses_unpartitioned")
    op.execute(
        "ALTER TABLE responses_unpartitioned RENAME CONSTRAINT pk_responses TO pk_responses_unpartitioned"
    )
    op.execute(
        "ALTER TABLE responses_unpartitioned RENAME CONSTRAINT uq_responses_submission_id"
        " TO uq_responses_unpartitioned_submission_id"
    )
    for name in (
        "ix_responses_day",
        "ix_responses_device",
        "ix_responses_employee_ip",
        "uq_responses_one_counted",
    ):
        op.execute(f"ALTER INDEX {name} RENAME TO {name}_unpartitioned")
    op.execute(
        "CREATE TABLE responses (LIKE responses_unpartitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"
        " PARTITION BY RANGE (day)"
    )
    op.execute("ALTER TABLE responses ADD CONSTRAINT pk_responses PRIMARY KEY (id, day)")
    op.execute("ALTER TABLE responses ADD CONSTRAINT uq_responses_submission_id UNIQUE (submission_id, day)")
    for statement in INDEXES:
        op.execute(statement)
    today = tehran_today()
    low, high = connection.execute(sa.text("SELECT min(day), max(day) FROM responses_unpartitioned")).one()
    first = min(d for d in (low, today - dt.timedelta(days=366)) if d is not None)
    last = max(d for d in (high, today.replace(day=28) + dt.timedelta(days=31 * 3)) if d is not None)
    for month in _months(first, last):
        following = (month + dt.timedelta(days=32)).replace(day=1)
        op.execute(
            f"CREATE TABLE responses_p{month:%Y%m} PARTITION OF responses"
            f" FOR VALUES FROM ('{month.isoformat()}') TO ('{following.isoformat()}')"
        )
    op.execute("CREATE TABLE responses_default PARTITION OF responses DEFAULT")
    op.execute("INSERT INTO responses SELECT * FROM responses_unpartitioned")
    op.execute("DROP TABLE responses_unpartitioned")
    op.execute("ALTER SEQUENCE responses_id_seq OWNED BY responses.id")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER SEQUENCE responses_id_seq OWNED BY NONE")
    op.execute("ALTER TABLE responses RENAME TO responses_partitioned")
    op.execute("ALTER TABLE responses_partitioned RENAME CONSTRAINT pk_responses TO pk_responses_partitioned")
    op.execute(
        "ALTER TABLE responses_partitioned RENAME CONSTRAINT uq_responses_submission_id"
        " TO uq_responses_partitioned_submission_id"
    )
    for name in (
        "ix_responses_day",
        "ix_responses_device",
        "ix_responses_employee_ip",
        "uq_responses_one_counted",
    ):
        op.execute(f"ALTER INDEX {name} RENAME TO {name}_partitioned")
    op.execute("CREATE TABLE responses (LIKE responses_partitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
    op.execute("INSERT INTO responses SELECT * FROM responses_partitioned")
    op.execute("DROP TABLE responses_partitioned")  # its partitions with it
    op.execute("ALTER TABLE responses ADD CONSTRAINT pk_responses PRIMARY KEY (id)")
    op.execute("ALTER TABLE responses ADD CONSTRAINT uq_responses_submission_id UNIQUE (submission_id)")
    op.execute(
        "ALTER TABLE responses ADD CONSTRAINT fk_responses_replaced_by_id_responses FOREIGN KEY"
        " (replaced_by_id) REFERENCES responses (id) ON DELETE SET NULL"
    )
    for statement in INDEXES:
        op.execute(statement)
    op.execute("ALTER SEQUENCE responses_id_seq OWNED BY responses.id")
