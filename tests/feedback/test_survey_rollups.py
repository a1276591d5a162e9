"""Rollups kept incrementally equal the ones rebuilt from the raw rows, after a mixed load with
replaced and flagged responses; the flag rules name themselves; resends count once."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from sqlalchemy import select

from core.errors import NotAuthorized
from feedback.accounts.actors import SYSTEM, FeedbackActor, registry_admin
from feedback.rollups.models import Rollup
from feedback.rollups.scores import score
from feedback.rollups.services import rebuild_rollups
from feedback.survey.integrity import DEVICE_MANY_EMPLOYEES, EMPLOYEE_IP_BURST
from feedback.survey.models import COUNTED, FLAGGED, REPLACED, Response
from feedback.survey.services import submit_response
from tests.feedback.helpers import code_of, employee_row, seed_employees
from tests.feedback.survey_helpers import submission

NOON = dt.datetime(2026, 11, 29, 9, 0, tzinfo=dt.UTC)


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


def _snapshot(session) -> dict[tuple, tuple]:
    return {
        (r.level, r.key, r.day): (r.count, r.sum_q1, r.sum_q2, r.sum_q3, r.sum_q4)
        for r in session.scalars(select(Rollup))
    }


def test_incremental_rollups_equal_rebuilt_after_mixed_load(feedback_session, codes):
    rng = random.Random(8)
    for n in range(160):
        code = rng.choice(codes)
        when = NOON + dt.timedelta(hours=rng.choice([0, 0, 20, 44]), minutes=n * 3)
        device = f"dev{rng.randrange(12)}"
        answers = tuple(rng.randint(1, 5) for _ in range(4))
        submit_response(feedback_session, submission(code, device, f"ip{rng.randrange(3)}", answers), when)
    # a burst from one address for one employee, and one device rating every employee
    for n in range(8):
        submit_response(
            feedback_session, submission(codes[0], f"burst{n}", "ipX"), NOON + dt.timedelta(days=5)
        )
    for code in codes:
        submit_response(
            feedback_session, submission(code, "roamer", f"ipR{code.id}"), NOON + dt.timedelta(days=6)
        )
    statuses = {s for (s,) in feedback_session.execute(select(Response.status))}
    assert statuses == {COUNTED, REPLACED, FLAGGED}
    incremental = _snapshot(feedback_session)
    rebuild_rollups(feedback_session, SYSTEM)
    assert _snapshot(feedback_session) == incremental
    levels = {level for level, _key, _day in incremental}
    assert levels == {"employee", "unit", "agency", "county", "province", "nation"}
    counted = feedback_session.scalars(select(Response).where(Response.status == COUNTED)).all()
    nation = sum(v[0] for (level, _k, _d), v in incremental.items() if level == "nation")
    assert nation == len(counted)


def test_burst_for_one_employee_from_one_address_is_flagged_and_not_counted(feedback_session, codes):
    outcomes = [
        submit_response(feedback_session, submission(codes[0], f"phone{n}", "office-wifi"), NOON)
        for n in range(7)
    ]
    assert [o.status for o in outcomes] == [COUNTED] * 5 + [FLAGGED] * 2
    flagged = feedback_session.scalars(select(Response).where(Response.status == FLAGGED)).all()
    assert {r.flag_rule for r in flagged} == {EMPLOYEE_IP_BURST}
    nation = feedback_session.scalar(select(Rollup).where(Rollup.level == "nation"))
    assert nation.count == 5
    later = NOON + dt.timedelta(minutes=30)  # outside the window: counted again
    assert (
        submit_response(feedback_session, submission(codes[0], "phone9", "office-wifi"), later).status
        == COUNTED
    )


def test_one_device_rating_many_employees_is_flagged(feedback_session, codes):
    statuses = [
        submit_response(feedback_session, submission(code, "one-phone", f"ip{code.id}"), NOON).status
        for code in codes[:7]
    ]
    assert statuses == [COUNTED] * 5 + [FLAGGED] * 2
    rules = feedback_session.scalars(select(Response.flag_rule).where(Response.status == FLAGGED)).all()
    assert set(rules) == {DEVICE_MANY_EMPLOYEES}


def test_resend_with_the_same_submission_counts_once(feedback_session, codes):
    sent = submission(codes[1])
    first = submit_response(feedback_session, sent, NOON)
    again = submit_response(feedback_session, sent, NOON + dt.timedelta(minutes=5))
    assert again.duplicate and again.response_id == first.response_id
    assert feedback_session.scalar(select(Rollup.count).where(Rollup.level == "nation")) == 1


def test_day_is_the_tehran_calendar_day(feedback_session, codes):
    late_utc = dt.datetime(2026, 11, 29, 21, 0, tzinfo=dt.UTC)  # 00:30 on the 30th in Tehran
    submit_response(feedback_session, submission(codes[2]), late_utc)
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
        (FeedbackActor(id=2, role="nation", label="president's office"), False),
        (FeedbackActor(id=3, role="unit", label="unit head", scope_kind="unit", scope_value="MCTH/x"), False),
    ],
)
def test_rebuild_rollups_permissions(feedback_session, codes, actor, allowed):
    submit_response(feedback_session, submission(codes[0]), NOON)
    if allowed:
        assert rebuild_rollups(feedback_session, actor) == 6
    else:
        with pytest.raises(NotAuthorized):
            rebuild_rollups(feedback_session, actor)
