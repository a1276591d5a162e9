"""Rollups kept in step with the responses, and rebuilt from the raw rows when in doubt. Both paths
produce exactly the same rows (a test holds them to it).

On PostgreSQL a submission appends its change to `rollup_deltas` in its own transaction, and
`fold_pending` applies what is pending (migration 0034): every reader calls it first, and the
worker every two seconds, so a dashboard is exact as of its read and no submission waits on the
nation's row. The embedded SQLite applies the change in the submission's transaction
(`apply_deltas`)."""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from core.actors import Actor
from core.db import table_of
from core.errors import NotAuthorized
from feedback.accounts.policies import can_manage_registry
from feedback.db import autocommit_engine
from feedback.rollups.models import NATION_KEY, Rollup, rollup_deltas, rollup_keys
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


def apply_deltas(session: Session, changes: Iterable[dict[tuple[str, str, dt.date], Delta]]) -> None:
    """Upsert the summed deltas in one fixed order (level, key, day): concurrent transactions lock the
    same rows in the same order, so they queue instead of deadlocking. Additive on conflict, so two
    transactions never overwrite each other's counts."""
    total: dict[tuple[str, str, dt.date], list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for change in changes:
        for pk, delta in change.items():
            for i, value in enumerate(delta):
                total[pk][i] += value
    rows: list[dict[str, Any]] = [
        {
            "level": level,
            "key": key,
            "day": day,
            "count": d[0],
            "sum_q1": d[1],
            "sum_q2": d[2],
            "sum_q3": d[3],
            "sum_q4": d[4],
        }
        for (level, key, day), d in sorted(total.items())
        if any(d)
    ]
    if not rows:
        return
    params = {f"{name}{n}": row[name] for n, row in enumerate(rows) for name in row}
    session.execute(_upsert_statement(len(rows)), params)
    table = table_of(Rollup)
    emptied = [row for row in rows if row["count"] < 0]
    for row in emptied:  # a replacement that moved units: drop the row the rebuild would not have
        session.execute(
            sa.delete(table).where(
                table.c.level == row["level"],
                table.c.key == row["key"],
                table.c.day == row["day"],
                table.c.count == 0,
            )
        )


_COLUMNS = ("level", "key", "day", "count", "sum_q1", "sum_q2", "sum_q3", "sum_q4")
_SUMS = _COLUMNS[3:]


@functools.cache
def _upsert_statement(rows: int) -> sa.TextClause:
    """`INSERT … ON CONFLICT DO UPDATE SET count = rollups.count + excluded.count` (PostgreSQL and
    SQLite both speak it): additive, so concurrent submissions never overwrite each other. Written
    as text, once per row count, because a multi-row insert built with the ORM is compiled anew on
    every call (a third of a submission's CPU)."""
    values = ", ".join("(" + ", ".join(f":{name}{n}" for name in _COLUMNS) + ")" for n in range(rows))
    updates = ", ".join(f"{name} = rollups.{name} + excluded.{name}" for name in _SUMS)
    # built from the constant column names above; every value is a bound parameter
    sql = f"INSERT INTO rollups ({', '.join(_COLUMNS)}) VALUES {values} "  # noqa: S608
    statement = sa.text(sql + f"ON CONFLICT (level, key, day) DO UPDATE SET {updates}")
    # the day parameters carry their type (SQLite stores dates as text)
    return statement.bindparams(*(sa.bindparam(f"day{n}", type_=sa.Date) for n in range(rows)))


def _level_selects() -> list[sa.Select]:
    r = Response.__table__.c
    sums = [
        sa.func.count().label("count"),
        sa.func.sum(r.q1).label("sum_q1"),
        sa.func.sum(r.q2).label("sum_q2"),
        sa.func.sum(r.q3).label("sum_q3"),
        sa.func.sum(r.q4).label("sum_q4"),
    ]
    keys = {
        "employee": sa.cast(r.employee_id, sa.String),
        "unit": r.agency_code.concat("/").concat(r.unit),
        "agency": r.agency_code,
        "county": r.county_code,
        "province": r.province_code,
        "nation": sa.literal(NATION_KEY),
    }
    selects = []
    for level, key in keys.items():
        group = [r.day] if level == "nation" else [key, r.day]
        selects.append(
            sa.select(sa.literal(level).label("level"), key.label("key"), r.day, *sums)
            .where(r.status == COUNTED)
            .group_by(*group)
        )
    return selects


_FOLD = "SELECT feedback_fold_rollups(%(nation)s)"


def fold_pending(session: Session) -> int:
    """Apply the pending rollup changes (PostgreSQL), on a connection of its own in autocommit, so
    the fold is committed at once and holds no lock for the rest of the caller's request; inside the
    caller's transaction when its session is bound to one connection (tests). Returns how many
    changes were applied: 0 also when another fold or a rebuild is running (it applies them)."""
    bind = session.get_bind()
    if bind.dialect.name != "postgresql":
        return 0
    if isinstance(bind, Engine):
        for attempt in range(2):
            try:
                with autocommit_engine(bind).connect() as connection:
                    return int(connection.exec_driver_sql(_FOLD, {"nation": NATION_KEY}).scalar_one())
            except DBAPIError as exc:  # a pooled connection the server dropped (no pre-ping on that
                if not exc.connection_invalidated or attempt:  # pool): once more on a fresh one
                    raise
    return int(session.connection().exec_driver_sql(_FOLD, {"nation": NATION_KEY}).scalar_one())


def rebuild_rollups(session: Session, actor: Actor) -> int:
    """Recompute every rollup from the raw rows, set-based, in one transaction (readers see the old
    rows until the commit). Returns the number of rollup rows written.

    On PostgreSQL it first locks the rollups against folds (a running one finishes first), then
    reads every response and discards every pending change as of one snapshot (repeatable read):
    a change is pending exactly until its response is in the rebuild, and submissions go on."""
    if not can_manage_registry(actor):
        raise NotAuthorized("only operators and registry admins rebuild rollups")
    table = table_of(Rollup)
    if session.get_bind().dialect.name == "postgresql":
        if isinstance(session.get_bind(), Engine) and not session.in_transaction():
            session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        # a lock takes no snapshot: the snapshot is the next statement's, after any fold commits
        session.execute(sa.text("LOCK TABLE rollups IN EXCLUSIVE MODE"))
    session.execute(sa.delete(rollup_deltas))
    session.execute(sa.delete(table))
    for select in _level_selects():
        session.execute(sa.insert(table).from_select(list(_COLUMNS), select))
    written = int(session.scalar(sa.select(sa.func.count()).select_from(table)) or 0)
    session.commit()
    return written
