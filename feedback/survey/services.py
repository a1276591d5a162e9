"""Taking a response: one committed row (and its rollup change) or a clear refusal; never counted twice.

`submit_response` is the only writer of `responses`: the web form, the browser's resend after an
outage and the demo seed all go through it.

On PostgreSQL the steps run inside the database, as the function `feedback_submit`
(`feedback/survey/sql/`, version 3, loaded by migration 0050): one round trip, and outside a
caller's transaction one autocommitted statement, where the steps below take five round trips plus
BEGIN. `submit_many` stores a batch of submissions in one such statement (`feedback_submit_many`).
The embedded SQLite runs `_submit_steps`. Tests run the same mixed load through both on
PostgreSQL and hold the rows and rollups equal.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any, cast

import psycopg
from sqlalchemy import Engine, bindparam, insert, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from core.dates import tehran_day
from core.db import table_of, utcnow
from core.errors import NotFound, ValidationError
from feedback.codes.models import ACTIVE, EmployeeCode
from feedback.db import autocommit_engine
from feedback.registry.models import Employee
from feedback.rollups.models import NATION_KEY
from feedback.rollups.services import apply_deltas, response_deltas
from feedback.survey.integrity import (
    DEVICE_MANY_EMPLOYEES,
    DEVICE_THRESHOLD,
    EMPLOYEE_IP_BURST,
    EMPLOYEE_IP_THRESHOLD,
    clean_comment,
    judge_rules,
    rule_counts,
    rule_params,
    rule_windows,
)
from feedback.survey.models import COUNTED, FLAGGED, REPLACED, Response

_ATTEMPTS = 4


class CodeClosed(Exception):
    """The code was replaced or its employee deactivated: it takes no responses."""


@dataclasses.dataclass(frozen=True)
class Submission:
    employee_id: int
    code_id: int
    submission_id: str
    device_hash: str
    ip_hash: str
    answers: tuple[int, int, int, int]
    comment: str | None
    # a flag rule the caller already decided (the limits could not be checked): stored, flagged for
    # an admin's review, not counted; None lets the integrity rules decide
    review: str | None = None


@dataclasses.dataclass(frozen=True)
class Outcome:
    response_id: int
    status: str
    duplicate: bool  # the same submission was already stored (a resend): nothing new was counted


def parse_answers(form: dict[str, str]) -> tuple[int, int, int, int]:
    """Each of q1..q4 must be 1..5; the error names the missing or wrong questions."""
    answers, wrong = [], []
    for n in range(1, 5):
        raw = (form.get(f"q{n}") or "").strip()
        value = int(raw) if raw.isdigit() else 0
        if not 1 <= value <= 5:
            wrong.append(f"q{n}")
        answers.append(value)
    if wrong:
        raise ValidationError(
            "answer every question on the 1..5 scale", fields={name: "choose 1 to 5" for name in wrong}
        )
    return answers[0], answers[1], answers[2], answers[3]


def submit_response(
    session: Session,
    submission: Submission,
    now: dt.datetime | None = None,
    *,
    in_database: bool | None = None,
) -> Outcome:
    """Store the response and its rollup changes in one transaction, then commit. Retries when a
    concurrent request from the same device won the race for the one counted slot, or sent the same
    form at the same time. `in_database` (default: on PostgreSQL) picks `feedback_submit` over the
    Python steps; tests set it to compare the two."""
    if in_database is None:
        in_database = session.get_bind().dialect.name == "postgresql"
    submit = _submit_in_database if in_database else _submit_steps
    now = now or utcnow()
    for attempt in range(_ATTEMPTS):
        try:
            return submit(session, submission, now)
        except DBAPIError as exc:
            if not isinstance(exc, IntegrityError):
                # a pooled connection the server had dropped (no pre-ping on that pool): once more on
                # a fresh one; the submission id keeps a retry from counting twice
                if exc.connection_invalidated and attempt < _ATTEMPTS - 1:
                    session.rollback()
                    continue
                raise
            session.rollback()
            existing = _by_submission_id(session, submission, tehran_day(now))
            if existing is not None:
                return Outcome(existing.id, existing.status, duplicate=True)
            if attempt == _ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _by_submission_id(session: Session, s: Submission, day: dt.date) -> Response | None:
    """The stored response of this submission, as `feedback_submit` finds a resend: the employee's,
    dated `day` or the day before (a form token lives at most 24 hours, so a resend's original is
    never older; on PostgreSQL this reads two monthly partitions, not all)."""
    return session.scalar(
        select(Response).where(
            Response.submission_id == s.submission_id,
            Response.employee_id == s.employee_id,
            Response.day.between(day - dt.timedelta(days=1), day),
        )
    )


_RESPONSES = table_of(Response)
_R = _RESPONSES.c
_EARLIER = (
    _R.id,
    _R.employee_id,
    _R.day,
    _R.q1,
    _R.q2,
    _R.q3,
    _R.q4,
    _R.unit,
    _R.agency_code,
    _R.province_code,
    _R.county_code,
)

# Built once per process: constructing and coercing these on every submission cost more CPU than
# running them. Core (table) statements on the session's connection skip the ORM's per-statement
# compile state; SQLAlchemy's compiled cache and psycopg's prepared statements do the rest.
_DESK = (
    select(
        EmployeeCode.__table__.c.status,
        Employee.__table__.c.active,
        Employee.__table__.c.unit,
        Employee.__table__.c.agency_code,
        Employee.__table__.c.province_code,
        Employee.__table__.c.county_code,
        *(
            count.label(name)
            for count, name in zip(rule_counts(), ("same_ip", "other_employees"), strict=True)
        ),
    )
    .join_from(
        EmployeeCode.__table__,
        Employee.__table__,
        Employee.__table__.c.id == EmployeeCode.__table__.c.employee_id,
    )
    .where(
        EmployeeCode.__table__.c.id == bindparam("code_id"),
        EmployeeCode.__table__.c.employee_id == bindparam("employee_id"),
    )
)
_REPLACE_EARLIER = (
    update(_RESPONSES)
    .where(
        _R.employee_id == bindparam("b_employee_id"),
        _R.device_hash == bindparam("b_device_hash"),
        _R.day == bindparam("b_day"),
        _R.status == COUNTED,
    )
    .values(status=REPLACED)
    .returning(*_EARLIER)
)
_INSERT = insert(_RESPONSES).returning(_R.id)
_LINK_REPLACED = (
    update(_RESPONSES)
    .where(
        _R.id == bindparam("b_earlier_id"),
        _R.day == bindparam("b_day"),
        _R.employee_id == bindparam("b_employee_id"),
    )
    .values(replaced_by_id=bindparam("b_new_id"))
)


_ARGUMENTS = (
    ("employee_id", "integer"),
    ("code_id", "integer"),
    ("submission_id", "varchar"),
    ("device_hash", "varchar"),
    ("ip_hash", "varchar"),
    ("q1", "smallint"),
    ("q2", "smallint"),
    ("q3", "smallint"),
    ("q4", "smallint"),
    ("comment", "text"),
    ("now", "timestamptz"),
    ("day", "date"),
    ("r_ip_since", "timestamptz"),
    ("ip_threshold", "integer"),
    ("ip_rule", "varchar"),
    ("r_device_since", "timestamptz"),
    ("device_threshold", "integer"),
    ("device_rule", "varchar"),
    ("nation", "varchar"),
)
# In the driver's own parameter style: run with `exec_driver_sql`, it skips SQLAlchemy's statement
# compilation and parameter processing (a fifth of the fast path's CPU); psycopg prepares it after
# its fifth use in a connection.
_CALL = (  # built from the constant names and types above; every value is a bound parameter
    "SELECT outcome, response_id, response_status FROM feedback_submit_locked("  # noqa: S608
    + ", ".join(f"%({name})s::{kind}" for name, kind in _ARGUMENTS)
    + ")"
)
# A batch: the items as one JSON array of arrays, each item's values in `_ARGUMENTS`' order, which
# `feedback_submit_many` reads by position. One text parameter: psycopg dumping an array per argument
# cost more client CPU than the rest of the call.
_CALL_MANY = (
    "SELECT ordinal, outcome, response_id, response_status FROM feedback_submit_many(%(batch)s::jsonb)"
)


def _submitted_values(s: Submission) -> dict[str, object]:
    """What the submission itself says, named as the response's columns (and `feedback_submit`'s
    arguments): both ways of submitting store these values alike."""
    return {
        "employee_id": s.employee_id,
        "code_id": s.code_id,
        "submission_id": s.submission_id,
        "device_hash": s.device_hash,
        "ip_hash": s.ip_hash,
        "q1": s.answers[0],
        "q2": s.answers[1],
        "q3": s.answers[2],
        "q4": s.answers[3],
        "comment": clean_comment(s.comment),
    }


def _call_params(s: Submission, now: dt.datetime) -> dict[str, object]:
    """`feedback_submit`'s arguments. The thresholds, rule names and the nation's key are passed in,
    so they have one definition, here in Python."""
    params: dict[str, object] = {
        **_submitted_values(s),
        "now": now,
        "day": tehran_day(now),
        "ip_threshold": EMPLOYEE_IP_THRESHOLD,
        "ip_rule": EMPLOYEE_IP_BURST,
        "device_threshold": DEVICE_THRESHOLD,
        "device_rule": DEVICE_MANY_EMPLOYEES,
        "nation": NATION_KEY,
    }
    params.update(rule_windows(now))
    if s.review:  # a threshold of 0 trips the first rule whatever the counts: flagged under this name
        params.update(ip_threshold=0, ip_rule=s.review)
    return params


def _result(outcome: str, response_id: int | None, status: str | None) -> Outcome | NotFound | CodeClosed:
    """What `feedback_submit` answered, as the caller's result: an Outcome, or the refusal (returned
    here; `_outcome` raises it)."""
    if outcome == "not_found":
        return NotFound("no such code")
    if outcome == "closed":
        return CodeClosed()
    return Outcome(cast("int", response_id), cast("str", status), duplicate=outcome == "duplicate")


def _outcome(row: Sequence[Any]) -> Outcome:
    result = _result(*row)
    if isinstance(result, Exception):
        raise result
    return result


def _autocommit_rows(engine: Engine, statement: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    """`statement` as one autocommitted statement on the pooled psycopg connection itself, prepared:
    SQLAlchemy's execution context around the call cost as much CPU as the driver's own work. Its
    errors come out as SQLAlchemy's, with the connection invalidated when it was lost, as
    `exec_driver_sql` would raise them."""
    try:
        pooled = autocommit_engine(engine).raw_connection()
    except psycopg.Error as exc:  # the database is down: nothing to retry on
        raise DBAPIError.instance(statement, params, exc, psycopg.Error) from exc
    try:
        driver = cast("psycopg.Connection[Any]", pooled.driver_connection)  # a psycopg pool's
        # Prepared, unless the URL turned prepared statements off (PgBouncer in transaction mode).
        prepare = driver.prepare_threshold is not None
        return driver.execute(statement, params, prepare=prepare).fetchall()
    except psycopg.Error as exc:
        lost = isinstance(exc, psycopg.OperationalError) or driver.closed
        if lost:
            pooled.invalidate()
        raise DBAPIError.instance(statement, params, exc, psycopg.Error, connection_invalidated=lost) from exc
    finally:
        pooled.close()


def submit_autocommit(engine: Engine, submission: Submission, now: dt.datetime | None = None) -> Outcome:
    """`feedback_submit_locked` as one autocommitted statement: committed (WAL flushed) before the result
    arrives, without BEGIN and COMMIT round trips. No retry here: a lost race or a dropped connection
    raises, and the caller goes through `submit_response`, which retries (the submission id keeps a
    second try from counting twice). The survey's fast path calls this directly."""
    (row,) = _autocommit_rows(engine, _CALL, _call_params(submission, now or utcnow()))  # one row
    return _outcome(row)


def _batch_params(submissions: Sequence[Submission], now: dt.datetime) -> dict[str, str]:
    """`_CALL_MANY`'s one parameter: each item's `_call_params` in `_ARGUMENTS`' order, as JSON."""
    items = [_call_params(s, now) for s in submissions]
    return {
        "batch": json.dumps(
            [[item[name] for name, _kind in _ARGUMENTS] for item in items], default=_json_value
        )
    }


def _json_value(value: object) -> str:
    """Times and days in ISO 8601, which PostgreSQL reads back exactly."""
    if isinstance(value, dt.date):  # datetimes too
        return value.isoformat()
    raise TypeError(f"not JSON: {type(value).__name__}")


def submit_many(
    engine: Engine, submissions: Sequence[Submission], now: dt.datetime | None = None
) -> list[Outcome | NotFound | CodeClosed]:
    """The submissions as one autocommitted statement (`feedback_submit_many`), on the same connection
    and with the same errors as `submit_autocommit`: one commit and one round trip for the batch. The
    items are stored in order, each as `submit_autocommit` would have stored it after the ones before
    (a resend within the batch is a duplicate, a device's second answer for a desk replaces its first,
    the flag rules count the earlier items). Per item, in order: its Outcome, or the NotFound or
    CodeClosed it would have raised (returned, so the others' results stand). The batch commits or
    fails whole: on an error nothing of it is stored, and each item can be sent again on its own."""
    if not submissions:
        return []
    rows = _autocommit_rows(engine, _CALL_MANY, _batch_params(submissions, now or utcnow()))
    if [row[0] for row in rows] != list(range(1, len(submissions) + 1)):  # one row per item, in order
        raise RuntimeError(f"feedback_submit_many answered {len(rows)} rows for {len(submissions)} items")
    return [_result(outcome, response_id, status) for _ordinal, outcome, response_id, status in rows]


def _submit_in_database(session: Session, s: Submission, now: dt.datetime) -> Outcome:
    """`feedback_submit_locked` (`feedback/survey/sql/`): on its own in autocommit, or inside the caller's
    transaction when there is one (a test's savepoint), committed as the other path does."""
    bind = session.get_bind()
    if isinstance(bind, Engine) and not session.in_transaction():
        return submit_autocommit(bind, s, now)
    row = session.connection().exec_driver_sql(_CALL, _call_params(s, now)).one()
    session.commit()
    return _outcome(tuple(row))


def _submit_steps(session: Session, s: Submission, now: dt.datetime) -> Outcome:
    """Five round trips on the common path (desk with the rules' counts, replace-earlier, insert,
    rollups, commit), one more for a replacement. A resend of a stored submission fails the insert
    on `submission_id` and is answered from the stored row by the caller, with everything this
    attempt did rolled back."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":  # as feedback_submit_locked: the rules under locks
        connection.exec_driver_sql(
            "SELECT pg_advisory_xact_lock(74101, %(e)s), pg_advisory_xact_lock(74102, hashtext(%(d)s))",
            {"e": s.employee_id, "d": s.device_hash},
        )
    params: dict[str, Any] = {"code_id": s.code_id, "employee_id": s.employee_id}
    params.update(rule_params(s.employee_id, s.device_hash, s.ip_hash, now))
    desk = connection.execute(_DESK, params).one_or_none()
    if desk is None:
        raise NotFound("no such code")
    day = tehran_day(now)
    if desk.status != ACTIVE or not desk.active:
        stored = _by_submission_id(session, s, day)
        if stored is not None:  # sent before the code closed: acknowledge the resend
            return Outcome(stored.id, stored.status, duplicate=True)
        raise CodeClosed()
    if connection.dialect.name == "postgresql":
        # partitioned by day, a submission id is unique per day only: a resend on the next day is
        # found here, under the employee's lock (as feedback_submit finds it)
        stored = _by_submission_id(session, s, day)
        if stored is not None:
            return Outcome(stored.id, stored.status, duplicate=True)
    rule = s.review or judge_rules(desk.same_ip, desk.other_employees)
    row = {
        **_submitted_values(s),
        "day": day,
        "status": FLAGGED if rule else COUNTED,
        "flag_rule": rule,
        "unit": desk.unit,
        "agency_code": desk.agency_code,
        "province_code": desk.province_code,
        "county_code": desk.county_code,
        "created_at": now,
    }
    changes = []
    earlier = None
    if not rule:
        # The earlier answer stops counting before the new one takes its slot (partial unique index).
        earlier = connection.execute(
            _REPLACE_EARLIER, {"b_employee_id": s.employee_id, "b_device_hash": s.device_hash, "b_day": day}
        ).one_or_none()
        if earlier is not None:
            changes.append(response_deltas(earlier, -1))
        changes.append(response_deltas(SimpleNamespace(**row), 1))
    new_id = connection.execute(_INSERT, row).scalar_one()
    if earlier is not None:
        connection.execute(
            _LINK_REPLACED,
            {"b_earlier_id": earlier.id, "b_new_id": new_id, "b_day": day, "b_employee_id": s.employee_id},
        )
    apply_deltas(session, changes)
    session.commit()
    return Outcome(new_id, row["status"], duplicate=False)
