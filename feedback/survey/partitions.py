"""`responses` partitioned by month on PostgreSQL (migration 0040): one partition per Tehran-day
month, `responses_pYYYYMM` for days [the 1st, the 1st of the next month), and `responses_default`
for any day no partition covers (an answer dated far outside the months kept ahead; the next
`ensure_partitions` for its month moves it into place). The embedded SQLite keeps a plain table.

No constraint spans partitions: the primary key is (id, day); a submission id is unique per day
by index and across days by `feedback_submit`'s look-up under the employee's advisory lock (a resend
is always the same employee's, dated the day of its original or the next: the look-up reads those
two days); `replaced_by_id` names a response of the same employee and day.
Each holds within one employee's rows, so a later distribution by employee keeps them.

Retention (`GOVCLOUD_FEEDBACK_RETENTION_MONTHS`) drops whole months of raw rows; the rollups
(`rollup_totals`, `rollup_periods`, the day series) are separate tables and keep their totals. A
`rebuild-rollups` after a drop recomputes from the months kept."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from core.dates import tehran_today

PREFIX = "responses_p"
DEFAULT = "responses_default"
AHEAD_MONTHS = 3
# the 365-day period subtracts the days that leave it from their raw rows: a year and a month kept
MIN_RETENTION_MONTHS = 13


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def partition_name(month: dt.date) -> str:
    return f"{PREFIX}{month:%Y%m}"


def is_partitioned(session: Session) -> bool:
    if session.get_bind().dialect.name != "postgresql":
        return False
    kind = session.scalar(sa.text("SELECT relkind FROM pg_class WHERE oid = 'responses'::regclass"))
    return kind == "p"


def list_partitions(session: Session) -> list[str]:
    """The monthly partitions, oldest first (not the default one)."""
    names = session.scalars(
        sa.text(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            " WHERE i.inhparent = 'responses'::regclass"
        )
    ).all()
    return sorted(n for n in names if n.startswith(PREFIX))


def create_partition(session: Session, month: dt.date) -> str:
    """The partition of `month`, in the session's transaction. Rows the default partition holds for
    that month move into it (a partition cannot be created over rows the default one has)."""
    month = month_start(month)
    name = partition_name(month)
    bounds = {"low": month, "high": add_months(month, 1)}
    session.execute(sa.text("CREATE TEMP TABLE moving (LIKE responses) ON COMMIT DROP"))
    session.execute(
        sa.text(
            f"WITH d AS (DELETE FROM {DEFAULT} WHERE day >= :low AND day < :high RETURNING *)"  # noqa: S608
            " INSERT INTO moving SELECT * FROM d"
        ),
        bounds,
    )
    low, high = (b.isoformat() for b in bounds.values())  # dates formatted here, not user input
    session.execute(
        sa.text(f"CREATE TABLE {name} PARTITION OF responses FOR VALUES FROM ('{low}') TO ('{high}')")
    )
    session.execute(sa.text("INSERT INTO responses SELECT * FROM moving"))
    session.execute(sa.text("DROP TABLE moving"))
    return name


def ensure_partitions(session: Session, today: dt.date | None = None, ahead: int = AHEAD_MONTHS) -> list[str]:
    """This month's partition and `ahead` more, created ahead of time; returns those it created
    (none on SQLite or an unpartitioned table). Commits."""
    if not is_partitioned(session):
        return []
    existing = set(list_partitions(session))
    first = month_start(today or tehran_today())
    created = []
    for n in range(ahead + 1):
        month = add_months(first, n)
        if partition_name(month) not in existing:
            created.append(create_partition(session, month))
    session.commit()
    return created


def drop_old_partitions(session: Session, retention_months: int, today: dt.date | None = None) -> list[str]:
    """Drop the months wholly older than `retention_months` before this month (and such rows of the
    default partition); returns the partitions dropped. 0 keeps everything. The rollups are not
    touched: every total stays. Commits."""
    if retention_months <= 0 or not is_partitioned(session):
        return []
    if retention_months < MIN_RETENTION_MONTHS:
        raise ValueError(f"keep at least {MIN_RETENTION_MONTHS} months: the 365-day period reads them")
    cutoff = add_months(month_start(today or tehran_today()), -retention_months)
    dropped = [name for name in list_partitions(session) if name < partition_name(cutoff)]
    for name in dropped:
        session.execute(sa.text(f"DROP TABLE {name}"))
    session.execute(sa.text(f"DELETE FROM {DEFAULT} WHERE day < :cutoff"), {"cutoff": cutoff})  # noqa: S608
    session.commit()
    return dropped
