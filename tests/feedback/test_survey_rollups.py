"""Rollups kept incrementally equal the ones rebuilt from the raw rows, after a mixed load with
replaced and flagged responses; the flag rules name themselves; resends count once. Each behaviour
is checked on both ways of taking a response: PostgreSQL's `feedback_submit` and the Python steps
the embedded SQLite runs; one test replays the same load through both and compares every row."""

from __future__ import annotations

import datetime as dt
import random
import threading

import pytest
from sqlalchemy import delete, func, select, update

from core.actors import SYSTEM, Actor
from core.dates import tehran_today
from core.db import make_sessionmaker
from core.errors import NotAuthorized
from feedback.accounts.actors import registry_admin
from feedback.celery_names import TaskNames
from feedback.registry.models import Employee
from feedback.rollups.models import NATION_KEY, Rollup, rollup_deltas
from feedback.rollups.scores import score
from feedback.rollups.services import fold_pending, rebuild_rollups
from feedback.survey.integrity import DEVICE_MANY_EMPLOYEES, EMPLOYEE_IP_BURST
from feedback.survey.models import COUNTED, FLAGGED, REPLACED, Response
from feedback.survey.services import CodeClosed, submit_response
from tests.feedback.helpers import code_of, employee_row, seed_employees
from tests.feedback.survey_helpers import clear_rollups, stored_rollups, submission
from tests.waiting import wait_until

NOON = dt.datetime(2026, 11, 29, 9, 0, tzinfo=dt.UTC)
BOTH_PATHS = pytest.mark.parametrize("in_database", [True, False], ids=["feedback_submit", "python_steps"])


@pytest.fixture
def codes(feedback_session, tmp_path):
    rows = [
        employee_row(
            n,
            unit=("واحد الف", "واحد ب")[n % 2],
            province=("تهران", "فارس")[n % 2],
            county=("تهران", "شیراز")[n % 2],
        )
        for n in range(1, 9)
    ]
    seed_employees(feedback_session, tmp_path, rows)
    return [code_of(feedback_session, f"E{n:06d}") for n in range(1, 9)]


def _mixed_load(codes) -> list[tuple[object, dt.datetime]]:
    """Random answers over three days from twelve phones on three addresses, a burst from one
    address for one employee, and one device rating every employee."""
    rng = random.Random(8)
    load = []
    for n in range(160):
        code = rng.choice(codes)
        when = NOON + dt.timedelta(hours=rng.choice([0, 0, 20, 44]), minutes=n * 3)
        device = f"dev{rng.randrange(12)}"
        answers = tuple(rng.randint(1, 5) for _ in range(4))
        load.append((submission(code, device, f"ip{rng.randrange(3)}", answers), when))
    load += [(submission(codes[0], f"burst{n}", "ipX"), NOON + dt.timedelta(days=5)) for n in range(8)]
    load += [(submission(c, "roamer", f"ipR{c.id}"), NOON + dt.timedelta(days=6)) for c in codes]
    return load


@BOTH_PATHS
def test_incremental_rollups_equal_rebuilt_after_mixed_load(feedback_session, codes, in_database):
    for sent, when in _mixed_load(codes):
        submit_response(feedback_session, sent, when, in_database=in_database)
    statuses = {s for (s,) in feedback_session.execute(select(Response.status))}
    assert statuses == {COUNTED, REPLACED, FLAGGED}
    incremental = stored_rollups(feedback_session)
    rebuild_rollups(feedback_session, SYSTEM)
    assert stored_rollups(feedback_session) == incremental
    levels = {level for level, _key, _day in incremental}
    assert levels == {"employee", "unit", "agency", "county", "province", "nation"}
    with_days = {level for level, _key, day in incremental if isinstance(day, dt.date)}
    assert with_days == {"nation", "province", "agency"}  # day series only where a chart draws them
    counted = feedback_session.scalars(select(Response).where(Response.status == COUNTED)).all()
    assert incremental[("nation", NATION_KEY, "total")][0] == len(counted)
    days = sum(
        v[0] for (level, _k, day), v in incremental.items() if level == "nation" and isinstance(day, dt.date)
    )
    assert days == len(counted)


@BOTH_PATHS
def test_periods_advance_day_by_day_as_a_rebuild_computes_them(feedback_session, codes, in_database):
    """Each day of the mixed load is answered, then the periods advance a day at a time past the
    longest one: at every step (changes still pending on PostgreSQL) the rollups equal a rebuild
    as of that day, and the all-time totals never change while the periods empty."""
    shift = dt.timedelta(days=(tehran_today() - NOON.date()).days)  # from today: as_of never goes back
    load = [(sent, when + shift) for sent, when in _mixed_load(codes)]
    first = min(when for _s, when in load).date()
    for sent, when in load:
        submit_response(feedback_session, sent, when, in_database=in_database)
    totals = None
    for step in (0, 1, 2, 5, 6, 7, 8, 29, 30, 31, 89, 90, 364, 365, 366, 400):
        today = first + dt.timedelta(days=step)
        fold_pending(feedback_session, today)
        incremental = stored_rollups(feedback_session)
        rebuild_rollups(feedback_session, SYSTEM, today=today)
        assert stored_rollups(feedback_session) == incremental, step
        now_totals = {k: v for k, v in incremental.items() if k[2] == "total"}
        assert totals is None or now_totals == totals
        totals = now_totals
    assert not [k for k in incremental if isinstance(k[2], int)]  # every period emptied


def _rows(session) -> dict[str, tuple]:
    """Every response by its submission id, with what replaced it named the same way."""
    by_id = {r.id: r for r in session.scalars(select(Response))}
    return {
        r.submission_id: (
            r.employee_id,
            r.day,
            r.status,
            r.flag_rule,
            (r.q1, r.q2, r.q3, r.q4),
            r.unit,
            by_id[r.replaced_by_id].submission_id if r.replaced_by_id else None,
        )
        for r in by_id.values()
    }


def test_feedback_submit_and_the_python_steps_store_the_same(feedback_session, codes):
    """The same load, including a resend, a closed code and an employee moved to another unit
    between two answers from one phone on one day, leaves the same rows and rollups either way."""
    load = _mixed_load(codes)
    moved = codes[3]
    before_move = submission(moved, "mover", "ipM", (2, 2, 2, 2))
    after_move = submission(moved, "mover", "ipM", (5, 5, 5, 5))
    results = {}
    for in_database in (False, True):
        feedback_session.execute(delete(Response))
        clear_rollups(feedback_session)
        feedback_session.execute(
            update(Employee).where(Employee.id == moved.employee_id).values(unit="واحد الف")
        )
        feedback_session.execute(
            update(Employee).where(Employee.id == codes[7].employee_id).values(active=True)
        )
        outcomes = [submit_response(feedback_session, s, when, in_database=in_database) for s, when in load]
        # resent five minutes after it was sent (a resend is found on its day and the day before)
        resent = load[0][1] + dt.timedelta(minutes=5)
        outcomes.append(submit_response(feedback_session, load[0][0], resent, in_database=in_database))
        feedback_session.execute(
            update(Employee).where(Employee.id == moved.employee_id).values(unit="واحد د")
        )
        submit_response(feedback_session, before_move, NOON, in_database=in_database)
        feedback_session.execute(
            update(Employee).where(Employee.id == moved.employee_id).values(unit="واحد ج")
        )
        submit_response(feedback_session, after_move, NOON + dt.timedelta(hours=1), in_database=in_database)
        feedback_session.execute(
            update(Employee).where(Employee.id == codes[7].employee_id).values(active=False)
        )
        with pytest.raises(CodeClosed):
            submit_response(feedback_session, submission(codes[7]), NOON, in_database=in_database)
        results[in_database] = (
            [(o.status, o.duplicate) for o in outcomes],
            _rows(feedback_session),
            stored_rollups(feedback_session),
        )
    assert results[True] == results[False]
    outcomes, rows, rollups = results[True]
    assert outcomes[-1] == (outcomes[0][0], True)  # the resend, acknowledged and not counted again
    assert rows[before_move.submission_id][2:] == (
        REPLACED,
        None,
        (2, 2, 2, 2),
        "واحد د",
        after_move.submission_id,
    )
    agency = feedback_session.scalar(select(Employee.agency_code).where(Employee.id == moved.employee_id))
    assert ("unit", f"{agency}/واحد د", "total") not in rollups  # emptied by the move, not kept at 0
    assert (rollups[("unit", f"{agency}/واحد ج", "total")][0], rows[after_move.submission_id][2]) == (
        1,
        COUNTED,
    )
    rebuild_rollups(feedback_session, SYSTEM)
    assert stored_rollups(feedback_session) == rollups


@BOTH_PATHS
def test_burst_for_one_employee_from_one_address_is_flagged_and_not_counted(
    feedback_session, codes, in_database
):
    outcomes = [
        submit_response(
            feedback_session, submission(codes[0], f"phone{n}", "office-wifi"), NOON, in_database=in_database
        )
        for n in range(7)
    ]
    assert [o.status for o in outcomes] == [COUNTED] * 5 + [FLAGGED] * 2
    flagged = feedback_session.scalars(select(Response).where(Response.status == FLAGGED)).all()
    assert {r.flag_rule for r in flagged} == {EMPLOYEE_IP_BURST}
    fold_pending(feedback_session)
    nation = feedback_session.scalar(select(Rollup).where(Rollup.level == "nation"))
    assert nation.count == 5
    later = NOON + dt.timedelta(minutes=30)  # outside the window: counted again
    assert (
        submit_response(
            feedback_session, submission(codes[0], "phone9", "office-wifi"), later, in_database=in_database
        ).status
        == COUNTED
    )


@BOTH_PATHS
def test_one_device_rating_many_employees_is_flagged(feedback_session, codes, in_database):
    statuses = [
        submit_response(
            feedback_session, submission(code, "one-phone", f"ip{code.id}"), NOON, in_database=in_database
        ).status
        for code in codes[:7]
    ]
    assert statuses == [COUNTED] * 5 + [FLAGGED] * 2
    rules = feedback_session.scalars(select(Response.flag_rule).where(Response.status == FLAGGED)).all()
    assert set(rules) == {DEVICE_MANY_EMPLOYEES}


@BOTH_PATHS
def test_resend_with_the_same_submission_counts_once(feedback_session, codes, in_database):
    sent = submission(codes[1])
    first = submit_response(feedback_session, sent, NOON, in_database=in_database)
    again = submit_response(feedback_session, sent, NOON + dt.timedelta(minutes=5), in_database=in_database)
    assert again.duplicate and again.response_id == first.response_id
    fold_pending(feedback_session)
    assert feedback_session.scalar(select(Rollup.count).where(Rollup.level == "nation")) == 1


@BOTH_PATHS
def test_day_is_the_tehran_calendar_day(feedback_session, codes, in_database):
    late_utc = dt.datetime(2026, 11, 29, 21, 0, tzinfo=dt.UTC)  # 00:30 on the 30th in Tehran
    submit_response(feedback_session, submission(codes[2]), late_utc, in_database=in_database)
    assert feedback_session.scalar(select(Response.day)) == dt.date(2026, 11, 30)


def test_score_maps_the_scale_to_0_100():
    assert score(0, [0, 0, 0, 0]) is None
    assert score(2, [10, 10, 10, 10]) == 100.0
    assert score(1, [1, 1, 1, 1]) == 0.0
    assert score(2, [6, 6, 6, 6]) == 50.0


@pytest.mark.parametrize(
    ("actor", "allowed"),
    [
        (SYSTEM, True),
        (registry_admin(1, "a@b.ir"), True),
        (Actor(id=2, role="nation", label="president's office"), False),
        (Actor(id=3, role="unit", label="unit head", scope_kind="unit", scope_value="MCTH/x"), False),
    ],
)
def test_rebuild_rollups_permissions(feedback_session, codes, actor, allowed):
    submit_response(feedback_session, submission(codes[0]))  # today: in every period
    if allowed:  # six totals, six scopes in each of the five periods, three days
        assert rebuild_rollups(feedback_session, actor) == 6 + 6 * 5 + 3
    else:
        with pytest.raises(NotAuthorized):
            rebuild_rollups(feedback_session, actor)


def test_a_rebuild_takes_in_the_pending_changes_exactly_once(feedback_session, codes):
    """Submissions leave their rollup changes pending until a fold; a rebuild counts their responses
    and discards the changes, so the next fold adds nothing twice."""
    for n in range(3):
        submit_response(feedback_session, submission(codes[n], f"p{n}"), NOON, in_database=True)
    assert feedback_session.scalar(select(func.count()).select_from(rollup_deltas)) == 3
    rebuild_rollups(feedback_session, SYSTEM)
    assert fold_pending(feedback_session) == 0
    assert stored_rollups(feedback_session)[("nation", NATION_KEY, NOON.date())][0] == 3


def test_a_fold_never_waits_behind_a_rebuild(committed_feedback, tmp_path):
    """Every dashboard read folds first: while a rebuild holds the rollups, the fold steps aside at
    once (the rebuild takes the pending changes in) instead of holding the page up."""
    factory = make_sessionmaker(committed_feedback)
    with factory() as session:
        seed_employees(session, tmp_path, [employee_row(1)])
        code = code_of(session, "E000001")
        submit_response(session, submission(code), NOON)
    with committed_feedback.connect() as rebuilding, factory() as reader:
        rebuilding.exec_driver_sql("LOCK TABLE rollups IN EXCLUSIVE MODE")
        folded: list[int] = []
        reading = threading.Thread(target=lambda: folded.append(fold_pending(reader)), daemon=True)
        reading.start()
        reading.join(30)  # a guard against hanging the suite, not a speed check
        assert folded == [0]  # it answered while the lock was held: a fold that queued would still wait
        rebuilding.rollback()
        reading.join()
        assert fold_pending(reader) == 1
        assert stored_rollups(reader)[("nation", NATION_KEY, NOON.date())][0] == 1


def test_the_worker_folds_pending_changes_every_few_seconds(
    committed_feedback, feedback_worker, feedback_celery_app, tmp_path
):
    entry = feedback_celery_app.conf.beat_schedule["fold-rollups"]
    assert entry["task"] == TaskNames.FOLD_ROLLUPS and entry["schedule"] <= 2
    factory = make_sessionmaker(committed_feedback)
    with factory() as session:
        seed_employees(session, tmp_path, [employee_row(1)])
        submit_response(session, submission(code_of(session, "E000001")), NOON)
    feedback_celery_app.send_task(TaskNames.FOLD_ROLLUPS, queue=feedback_celery_app.conf.task_default_queue)
    with factory() as session:

        def nothing_pending() -> bool:
            session.rollback()
            return not session.scalar(select(func.count()).select_from(rollup_deltas))

        wait_until(nothing_pending, timeout=30, interval=0.2, what="the worker to fold the pending rows")
        nation = session.scalar(select(Rollup.count).where(Rollup.level == "nation"))
    assert nation == 1
