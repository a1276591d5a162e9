"""A batch of submissions in one statement (`submit_many`, the function `feedback_submit_many`,
migration 0050, issue 17): the same outcomes, rows and rollups as the same items sent one by one;
crossing batches and single calls at once never deadlock and lose nothing; and a resend dated the
day after its original (a form lives up to 24 hours) is found, also across a month's boundary,
now that the look-up reads only those two days' partitions (`feedback_submit` version 3)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, func, select, update

from core import migrate
from core.dates import TEHRAN, tehran_today
from core.db import make_engine, make_sessionmaker
from core.errors import NotFound
from feedback.codes.models import EmployeeCode
from feedback.db import FeedbackBase
from feedback.registry.models import Employee
from feedback.rollups.models import NATION_KEY
from feedback.survey.integrity import (
    DEVICE_MANY_EMPLOYEES,
    DEVICE_THRESHOLD,
    EMPLOYEE_IP_BURST,
    EMPLOYEE_IP_THRESHOLD,
)
from feedback.survey.models import COUNTED, FLAGGED, REPLACED, Response
from feedback.survey.partitions import add_months, month_start
from feedback.survey.services import (
    CodeClosed,
    Outcome,
    Submission,
    submit_autocommit,
    submit_many,
    submit_response,
)
from tests.feedback.survey_helpers import seed_survey, stored_rollups, submission
from tests.fixtures.databases import _truncate

NOON = dt.datetime.combine(tehran_today(), dt.time(12), TEHRAN)
NEXT_MONTH = add_months(month_start(tehran_today()), 1)  # its partition is created by the migrations


@pytest.fixture(scope="module")
def twin_engine(fresh_database, feedback_engine) -> Iterator[Engine]:
    """A second migrated feedback database, for the same items sent one by one."""
    url = fresh_database("batch_twin")
    migrate.upgrade("feedback", url)
    engine = make_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture
def twin(twin_engine) -> Iterator[Engine]:
    _truncate(twin_engine, FeedbackBase.metadata)
    yield twin_engine
    _truncate(twin_engine, FeedbackBase.metadata)


def _codes(engine: Engine, folder, n: int) -> list[EmployeeCode]:
    folder.mkdir(exist_ok=True)
    with make_sessionmaker(engine)() as session:
        seed_survey(session, folder, n)
        codes = list(session.scalars(select(EmployeeCode).order_by(EmployeeCode.employee_id)))
        session.expunge_all()
    return codes


def _close(engine: Engine, employee_id: int) -> None:
    with make_sessionmaker(engine)() as session:
        session.execute(update(Employee).where(Employee.id == employee_id).values(active=False))
        session.commit()


def _shown(result: Outcome | NotFound | CodeClosed) -> tuple:
    if isinstance(result, Outcome):
        return (result.response_id, result.status, result.duplicate)
    return (type(result).__name__,)


def _one_by_one(engine: Engine, items: list[Submission], now: dt.datetime) -> list[tuple]:
    shown = []
    for item in items:
        try:
            shown.append(_shown(submit_autocommit(engine, item, now)))
        except (NotFound, CodeClosed) as refused:
            shown.append(_shown(refused))
    return shown


def _stored(engine: Engine) -> tuple[dict, dict]:
    """The responses by submission id (the replacing answer named by its submission id), and the
    rollups after folding."""
    with make_sessionmaker(engine)() as session:
        rows = session.scalars(select(Response)).all()
        by_id = {r.id: r.submission_id for r in rows}
        responses = {
            r.submission_id: (
                r.id,
                r.employee_id,
                r.day,
                r.device_hash,
                r.ip_hash,
                (r.q1, r.q2, r.q3, r.q4),
                r.status,
                r.flag_rule,
                by_id.get(r.replaced_by_id) if r.replaced_by_id else None,
                r.comment,
            )
            for r in rows
        }
        rollups = stored_rollups(session)
        session.commit()
    return responses, rollups


def test_a_batch_stores_what_the_same_items_sent_one_by_one_store(committed_feedback, twin, tmp_path):
    codes = _codes(committed_feedback, tmp_path / "a", 9)
    assert [(c.id, c.employee_id) for c in _codes(twin, tmp_path / "b", 9)] == [
        (c.id, c.employee_id) for c in codes
    ]
    stored_before = submission(codes[2], "d3", "i3")
    sent_before_closing = submission(codes[7], "d8", "i8")
    twice = submission(codes[3], "d4", "i4")
    items = [
        submission(codes[0], "d1", "i1"),
        submission(codes[1], "d2", "i2", comment='"quoted", \\ a backslash,\nنظر فارسی <b>✓</b> {1,2}'),
        stored_before,  # a resend of an answer stored before the batch
        twice,
        twice,  # the same form twice within the batch
        submission(codes[4], "d5", "i5", answers=(1, 1, 1, 1)),
        submission(codes[4], "d5", "i5", answers=(5, 5, 5, 5)),  # replaces the one before
        *(submission(codes[5], f"burst{n}", "one-network") for n in range(EMPLOYEE_IP_THRESHOLD + 2)),
        *(submission(codes[n], "roamer", f"r{n}") for n in range(DEVICE_THRESHOLD + 1)),
        submission(codes[7], "d8b", "i8b"),  # its employee deactivated: the code is closed
        sent_before_closing,  # a resend of an answer stored before the code closed
        dataclasses.replace(submission(codes[0], "d9", "i9"), code_id=codes[-1].id + 1000),  # unknown
        submission(codes[8], "d1", "i1"),
    ]
    results = {}
    for engine in (committed_feedback, twin):
        for earlier in (stored_before, sent_before_closing):
            submit_autocommit(engine, earlier, NOON - dt.timedelta(hours=1))
        _close(engine, codes[7].employee_id)
    results["batch"] = [_shown(r) for r in submit_many(committed_feedback, items, NOON)]
    results["one_by_one"] = _one_by_one(twin, items, NOON)
    assert results["batch"] == results["one_by_one"]
    assert _stored(committed_feedback) == _stored(twin)

    shown = results["batch"]
    assert shown[2][2] and shown[4][2] and shown[4][0] == shown[3][0]  # the resends acknowledged
    assert not shown[3][2]
    assert shown[-4:-1] == [("CodeClosed",), shown[-3], ("NotFound",)]
    assert shown[-3][2]  # sent before the code closed: still acknowledged
    responses, rollups = _stored(committed_feedback)
    first, second = items[5], items[6]
    assert responses[first.submission_id][6:9] == (REPLACED, None, second.submission_id)
    assert responses[second.submission_id][6] == COUNTED
    rules = [responses[s.submission_id][7] for s in items[7:-4]]
    assert rules.count(EMPLOYEE_IP_BURST) == 2 and rules.count(DEVICE_MANY_EMPLOYEES) == 2
    counted = sum(1 for r in responses.values() if r[6] == COUNTED)
    assert rollups[("nation", NATION_KEY, "total")][0] == counted


def test_crossing_batches_and_single_calls_at_once_never_deadlock(committed_feedback, tmp_path):
    """Batch A (employees 1, 2 on devices x, y), batch B (2, 1 on y, x) and single calls crossing them
    (2 on x, 1 on y), 50 times each at once: every lock is taken in one order, so none waits in a
    cycle (no DeadlockDetected), and every answer is stored."""
    one, two = _codes(committed_feedback, tmp_path, 2)
    rounds = 50
    barrier = threading.Barrier(3)
    errors: list[BaseException] = []
    outcomes: list[Outcome | NotFound | CodeClosed] = []
    lock = threading.Lock()

    def batches(tag: str, pairs) -> None:
        try:
            barrier.wait()
            for n in range(rounds):
                items = [submission(code, device, f"{tag}-{n}-{k}") for k, (code, device) in enumerate(pairs)]
                done = submit_many(committed_feedback, items)
                with lock:
                    outcomes.extend(done)
        except BaseException as exc:  # reported below
            errors.append(exc)

    def singles() -> None:
        try:
            barrier.wait()
            for n in range(rounds):
                for k, (code, device) in enumerate(((two, "x"), (one, "y"))):
                    done = submit_autocommit(committed_feedback, submission(code, device, f"s-{n}-{k}"))
                    with lock:
                        outcomes.append(done)
        except BaseException as exc:
            errors.append(exc)

    threads = [
        threading.Thread(target=batches, args=("a", ((one, "x"), (two, "y")))),
        threading.Thread(target=batches, args=("b", ((two, "y"), (one, "x")))),
        threading.Thread(target=singles),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []
    assert len(outcomes) == 3 * 2 * rounds
    assert all(isinstance(o, Outcome) and not o.duplicate for o in outcomes)
    responses, rollups = _stored(committed_feedback)
    statuses = [r[6] for r in responses.values()]
    assert len(statuses) == 3 * 2 * rounds
    # one counted answer per (employee, device): (1, x), (2, y), (2, x), (1, y); the rest replaced
    assert statuses.count(COUNTED) == 4 and statuses.count(REPLACED) == len(statuses) - 4
    assert FLAGGED not in statuses
    assert rollups[("nation", NATION_KEY, "total")][0] == 4


PATHS = ["feedback_submit", "feedback_submit_many", "python_steps"]


def _send(engine: Engine, path: str, item: Submission, when: dt.datetime) -> Outcome:
    if path == "feedback_submit":
        return submit_autocommit(engine, item, when)
    if path == "feedback_submit_many":
        (result,) = submit_many(engine, [item], when)
        assert isinstance(result, Outcome)
        return result
    with make_sessionmaker(engine)() as session:
        return submit_response(session, item, when, in_database=False)


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(
    "sent",
    [
        dt.datetime.combine(NEXT_MONTH + dt.timedelta(days=10), dt.time(20), TEHRAN),
        dt.datetime.combine(NEXT_MONTH - dt.timedelta(days=1), dt.time(20), TEHRAN),
    ],
    ids=["within_a_month", "across_a_month"],
)
def test_a_resend_the_next_day_is_acknowledged(committed_feedback, tmp_path, path, sent):
    """Stored at 20:00, resent the next morning (the phone was offline overnight, its form still
    valid): the resend's day is the original's plus one, and the look-up of that day and the one
    before finds it, in another month's partition too."""
    (code,) = _codes(committed_feedback, tmp_path, 1)
    item = submission(code)
    stored = _send(committed_feedback, path, item, sent)
    again = _send(committed_feedback, path, item, sent + dt.timedelta(hours=14))
    assert again.duplicate and again.response_id == stored.response_id
    with make_sessionmaker(committed_feedback)() as session:
        assert session.scalar(select(func.count()).select_from(Response)) == 1
        assert stored_rollups(session)[("nation", NATION_KEY, "total")][0] == 1
        session.commit()
