"""Rollups kept in step with the responses, and rebuilt from the raw rows when in doubt. Both paths
produce exactly the same rows (a test holds them to it).

Three shapes (`feedback.rollups.models`): all-time totals and the totals of the last 1/7/30/90/365
days of every scope at the six levels, and day series at the nation, province and agency levels.
Each change of a response adds to all three; advancing `rollup_state.as_of` to a new day subtracts,
from each period, the days that leave it: their counted raw rows less the changes still pending
for them (read in one statement, so a submission committing meanwhile is either in both or in
neither). Every change ever applied has a day <= `as_of`, so no day entering a period has anything
to add but what is still to be folded.

On PostgreSQL a submission appends its change to `rollup_deltas` in its own transaction, and
`fold_pending` applies what is pending (`feedback_fold_totals`, migration 0039): every reader calls
it first, and the worker every two seconds, so a dashboard is exact as of its read and no submission
waits on the nation's row. The embedded SQLite applies the change in the submission's transaction
(`apply_deltas`), and its readers advance the day (`advance`)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Engine
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from core.actors import Actor
from core.dates import tehran_today
from core.db import table_of
from core.errors import NotAuthorized
from feedback.accounts.policies import can_manage_whole_registry
from feedback.db import autocommit_engine, is_read_only
from feedback.rollups.models import (
    DAY_LEVELS,
    NATION_KEY,
    PERIOD_DAYS,
    Rollup,
    RollupPeriod,
    RollupTotal,
    rollup_deltas,
    rollup_keys,
    rollup_state,
)
from feedback.survey.models import COUNTED, Response

Delta = tuple[int, int, int, int, int]  # count, sum_q1..sum_q4


def response_deltas(response: Any, sign: int) -> dict[tuple[str, str, dt.date], Delta]:
    """What adding (sign 1) or removing (sign -1) one counted response (a `Response` or a row with
    its columns) does to each level."""
    answers = (response.q1, response.q2, response.q3, response.q4)
    delta: Delta = (sign, *(sign * a for a in answers))
    keys = rollup_keys(
        response.employee_id,
        response.unit,
        response.agency_code,
        response.county_code,
        response.province_code,
    )
    return {(level, key, response.day): delta for level, key in keys}


SUMS = ("count", "sum_q1", "sum_q2", "sum_q3", "sum_q4")


def _insert(session: Session, table: sa.Table) -> Any:
    return (postgresql if session.get_bind().dialect.name == "postgresql" else sqlite).insert(table)


def _additive(statement: Any, table: sa.Table, last_day: bool = False) -> Any:
    """`INSERT … ON CONFLICT (primary key) DO UPDATE SET count = t.count + excluded.count, …`:
    additive, so concurrent writers never overwrite each other's counts."""
    updates = {name: table.c[name] + statement.excluded[name] for name in SUMS}
    if last_day:
        updates["last_day"] = sa.func.coalesce(
            sa.func.max(table.c.last_day, statement.excluded.last_day)
            if _is_sqlite(statement)
            else sa.func.greatest(table.c.last_day, statement.excluded.last_day),
            table.c.last_day,
            statement.excluded.last_day,
        )
    return statement.on_conflict_do_update(index_elements=list(table.primary_key.columns), set_=updates)


def _is_sqlite(statement: Any) -> bool:
    return isinstance(statement, sqlite.Insert)


def _delete_emptied(session: Session) -> None:
    """Rows a replacement or a leaving day brought to 0 (the rebuild would not have them); each
    table's partial index on `count = 0` finds them without a scan."""
    for table in (table_of(RollupTotal), table_of(RollupPeriod), table_of(Rollup)):
        session.execute(sa.delete(table).where(table.c.count == 0))


def apply_deltas(session: Session, changes: Iterable[dict[tuple[str, str, dt.date], Delta]]) -> None:
    """Add the summed deltas to the totals, the periods they fall in and the day series (after
    advancing `as_of` to their latest day), in one fixed order (level, key, day): concurrent
    transactions lock the same rows in the same order, so they queue instead of deadlocking."""
    total: dict[tuple[str, str, dt.date], list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for change in changes:
        for pk, delta in change.items():
            for i, value in enumerate(delta):
                total[pk][i] += value
    summed = {pk: d for pk, d in sorted(total.items()) if any(d)}
    if not summed:
        return
    as_of = advance(session, max(day for _level, _key, day in summed))
    for table, rows in _rows_by_table(summed, as_of):
        if rows:
            statement = _insert(session, table).values(rows)
            session.execute(_additive(statement, table, last_day=table.name == "rollup_totals"))
    _delete_emptied(session)


def _rows_by_table(
    summed: dict[tuple[str, str, dt.date], list[int]], as_of: dt.date
) -> list[tuple[sa.Table, list[dict[str, Any]]]]:
    """The rows to add to the totals, the periods (the days inside each) and the day series."""
    totals: dict[tuple[str, str], list[Any]] = {}
    periods: dict[tuple[str, int, str], list[int]] = {}
    days = []
    for (level, key, day), d in summed.items():
        row = totals.setdefault((level, key), [0, 0, 0, 0, 0, None])
        for i in range(5):
            row[i] += d[i]
        if level == "employee" and d[0] > 0:
            row[5] = max(day, row[5] or day)
        for length in PERIOD_DAYS:
            if day > as_of - dt.timedelta(days=length):
                period = periods.setdefault((level, length, key), [0, 0, 0, 0, 0])
                for i in range(5):
                    period[i] += d[i]
        if level in DAY_LEVELS:
            days.append({"level": level, "key": key, "day": day, **dict(zip(SUMS, d, strict=True))})
    return [
        (
            table_of(RollupTotal),
            [
                {"level": lv, "key": k, **dict(zip(SUMS, v[:5], strict=True)), "last_day": v[5]}
                for (lv, k), v in sorted(totals.items())
                if any(v[:5])
            ],
        ),
        (
            table_of(RollupPeriod),
            [
                {"level": lv, "days": n, "key": k, **dict(zip(SUMS, v, strict=True))}
                for (lv, n, k), v in sorted(periods.items())
                if any(v)
            ],
        ),
        (table_of(Rollup), days),
    ]


_STATE = rollup_state.c


def advance(session: Session, day: dt.date) -> dt.date:
    """Move `as_of` forward to `day` (never back) in the session's transaction, subtracting from
    each period the days that leave it; returns the `as_of` now in force. The Python twin of the
    `advance` section of `feedback_fold_totals`."""
    old = session.scalar(sa.select(_STATE.as_of).where(_STATE.id == 1))
    if old is None:
        session.execute(sa.insert(rollup_state).values(id=1, as_of=day))
        return day
    if day <= old:
        return old
    periods = table_of(RollupPeriod)
    for length in PERIOD_DAYS:
        if (day - old).days >= length:  # the whole period left: nothing of it stays
            session.execute(sa.delete(periods).where(periods.c.days == length))
            continue
        low, high = old - dt.timedelta(days=length), day - dt.timedelta(days=length)
        for level, key, sums in _leaving(low, high):
            group = [] if level == "nation" else [key]
            select = (
                sa.select(sa.literal(level), sa.literal(length), key, *(-total for total in sums))
                .where(sa.true())  # SQLite: a SELECT before ON CONFLICT needs a WHERE
                .group_by(*group)
                .having(sa.func.count() > 0)
            )
            statement = _insert(session, periods).from_select(["level", "days", "key", *SUMS], select)
            session.execute(_additive(statement, periods))
    session.execute(sa.update(rollup_state).where(_STATE.id == 1).values(as_of=day))
    _delete_emptied(session)
    return day


def _leaving(low: dt.date, high: dt.date) -> list[tuple[str, Any, list[Any]]]:
    """Per level: the key and the sums of what days in (low, high] hold in the periods: their
    counted rows less the changes still pending for them, read together."""
    r = table_of(Response).c
    d = rollup_deltas.c
    dims = ("day", "employee_id", "unit", "agency_code", "county_code", "province_code")
    raw = sa.select(
        *(r[name] for name in dims),
        sa.literal(1).label("n"),
        r.q1,
        r.q2,
        r.q3,
        r.q4,
    ).where(r.status == COUNTED, r.day > low, r.day <= high)
    pending = sa.select(
        *(d[name] for name in dims),
        (-d.n).label("n"),
        (-d.q1).label("q1"),
        (-d.q2).label("q2"),
        (-d.q3).label("q3"),
        (-d.q4).label("q4"),
    ).where(d.day > low, d.day <= high)
    both = sa.union_all(raw, pending).subquery()
    c = both.c
    sums = [sa.func.sum(c.n), sa.func.sum(c.q1), sa.func.sum(c.q2), sa.func.sum(c.q3), sa.func.sum(c.q4)]
    return [(level, key.label("key"), sums) for level, key in _level_keys(c).items()]


def _level_keys(c: Any) -> dict[str, Any]:
    """Each level's key, as an expression over a row of the responses' columns."""
    return {
        "employee": sa.cast(c.employee_id, sa.String),
        "unit": c.agency_code.concat("/").concat(c.unit),
        "agency": c.agency_code,
        "county": c.county_code,
        "province": c.province_code,
        "nation": sa.literal(NATION_KEY),
    }


def _level_selects(as_of: dt.date) -> list[tuple[sa.Table, list[str], sa.Select]]:
    """The rebuild: every rollup row, grouped from the counted raw rows."""
    r = table_of(Response).c
    sums = [
        sa.func.count().label("count"),
        sa.func.sum(r.q1).label("sum_q1"),
        sa.func.sum(r.q2).label("sum_q2"),
        sa.func.sum(r.q3).label("sum_q3"),
        sa.func.sum(r.q4).label("sum_q4"),
    ]
    counted = r.status == COUNTED
    selects = []
    for level, key in _level_keys(r).items():
        group = [] if level == "nation" else [key]
        last_day = sa.func.max(r.day) if level == "employee" else sa.null()
        selects.append(
            (
                table_of(RollupTotal),
                ["level", "key", *SUMS, "last_day"],
                sa.select(sa.literal(level), key, *sums, last_day)
                .where(counted)
                .group_by(*group)
                .having(sa.func.count() > 0),
            )
        )
        for length in PERIOD_DAYS:
            selects.append(
                (
                    table_of(RollupPeriod),
                    ["level", "days", "key", *SUMS],
                    sa.select(sa.literal(level), sa.literal(length), key, *sums)
                    .where(counted, r.day > as_of - dt.timedelta(days=length), r.day <= as_of)
                    .group_by(*group)
                    .having(sa.func.count() > 0),
                )
            )
        if level in DAY_LEVELS:
            selects.append(
                (
                    table_of(Rollup),
                    ["level", "key", "day", *SUMS],
                    sa.select(sa.literal(level), key, r.day, *sums).where(counted).group_by(*group, r.day),
                )
            )
    return selects


_FOLD = "SELECT feedback_fold_totals(%(nation)s, %(today)s)"


def fold_pending(session: Session, today: dt.date | None = None) -> int:
    """Apply the pending rollup changes and advance the periods to `today` (default: Tehran's).
    On PostgreSQL on a connection of its own in autocommit, so the fold is committed at once and
    holds no lock for the rest of the caller's request; inside the caller's transaction when its
    session is bound to one connection (tests). Returns how many changes were applied: 0 also when
    another fold or a rebuild is running (it applies them). On SQLite nothing is ever pending: it
    advances the day, and commits if it moved. On a read-only copy (a replica the dashboards read,
    `feedback.db.read_only_engine`) it folds nothing and returns 0: the fold writes, so it runs on
    the primary only (the worker's, every two seconds), and a page there is exact to within that
    interval plus the replica's lag."""
    day = today or tehran_today()
    params: dict[str, object] = {"nation": NATION_KEY, "today": day}
    bind = session.get_bind()
    if is_read_only(bind):
        return 0
    if bind.dialect.name != "postgresql":
        before = session.scalar(sa.select(_STATE.as_of).where(_STATE.id == 1))
        if before is None or before < day:
            advance(session, day)
            session.commit()
        return 0
    if isinstance(bind, Engine):
        for attempt in range(2):
            try:
                with autocommit_engine(bind).connect() as connection:
                    return int(connection.exec_driver_sql(_FOLD, params).scalar_one())
            except DBAPIError as exc:  # a pooled connection the server dropped (no pre-ping on that
                if not exc.connection_invalidated or attempt:  # pool): once more on a fresh one
                    raise
    return int(session.connection().exec_driver_sql(_FOLD, params).scalar_one())


_TABLES = ("rollup_totals", "rollup_periods", "rollups")


def rebuild_rollups(session: Session, actor: Actor, today: dt.date | None = None) -> int:
    """Recompute every rollup from the raw rows, set-based, in one transaction (readers see the old
    rows until the commit), with the periods ending on `as_of` (never moved back; at least today).
    Returns the number of rollup rows written.

    On PostgreSQL it first locks the rollups against folds (a running one finishes first), then
    reads every response and discards every pending change as of one snapshot (repeatable read):
    a change is pending exactly until its response is in the rebuild, and submissions go on."""
    if not can_manage_whole_registry(actor):
        raise NotAuthorized("only operators and national registry admins rebuild rollups")
    if session.get_bind().dialect.name == "postgresql":
        if isinstance(session.get_bind(), Engine) and not session.in_transaction():
            session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        # a lock takes no snapshot: the snapshot is the next statement's, after any fold commits
        session.execute(sa.text(f"LOCK TABLE {', '.join(_TABLES)} IN EXCLUSIVE MODE"))
    r = table_of(Response).c
    as_of = max(
        d
        for d in (
            today or tehran_today(),
            session.scalar(sa.select(_STATE.as_of).where(_STATE.id == 1)),
            session.scalar(sa.select(sa.func.max(r.day)).where(r.status == COUNTED)),
        )
        if d is not None
    )
    session.execute(sa.delete(rollup_deltas))
    session.execute(sa.delete(rollup_state))
    session.execute(sa.insert(rollup_state).values(id=1, as_of=as_of))
    for table in (table_of(RollupTotal), table_of(RollupPeriod), table_of(Rollup)):
        session.execute(sa.delete(table))
    for table, columns, select in _level_selects(as_of):
        session.execute(sa.insert(table).from_select(columns, select))
    written = sum(
        int(session.scalar(sa.select(sa.func.count()).select_from(sa.table(name))) or 0) for name in _TABLES
    )
    session.commit()
    return written
