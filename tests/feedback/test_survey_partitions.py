"""`responses` partitioned by month on PostgreSQL (migration 0040): months created ahead, a
submission on the first and the last second of a month in its own month, a resend across the
month's boundary counted once (and a replacement across the UTC month's), old months dropped by
retention without changing any total; SQLite keeps its plain table."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from core import migrate
from core.actors import SYSTEM
from core.dates import TEHRAN, tehran_today
from core.db import make_engine, make_sessionmaker
from feedback.celery_names import TaskNames
from feedback.rollups.models import NATION_KEY
from feedback.rollups.services import rebuild_rollups
from feedback.survey.models import COUNTED, REPLACED, Response
from feedback.survey.partitions import (
    AHEAD_MONTHS,
    add_months,
    create_partition,
    drop_old_partitions,
    ensure_partitions,
    is_partitioned,
    list_partitions,
    month_start,
    partition_name,
)
from feedback.survey.services import submit_response
from tests.feedback.helpers import code_of, employee_row, seed_employees
from tests.feedback.survey_helpers import stored_rollups, submission
from tests.waiting import wait_until

BOTH_PATHS = pytest.mark.parametrize("in_database", [True, False], ids=["feedback_submit", "python_steps"])
NEXT_MONTH = add_months(month_start(tehran_today()), 1)  # created by the migration (three ahead)


@pytest.fixture
def code(feedback_session, tmp_path):
    seed_employees(feedback_session, tmp_path, [employee_row(1)])
    return code_of(feedback_session, "E000001")


def _partition_of(session, response_id: int) -> str:
    return session.scalar(
        sa.text("SELECT tableoid::regclass::text FROM responses WHERE id = :i"), {"i": response_id}
    )


def _nation_total(session) -> int:
    return stored_rollups(session)[("nation", NATION_KEY, "total")][0]


def test_partitions_are_created_ahead_of_time(feedback_session):
    assert is_partitioned(feedback_session)
    names = list_partitions(feedback_session)
    assert partition_name(NEXT_MONTH) in names and partition_name(month_start(tehran_today())) in names
    later = add_months(NEXT_MONTH, 12)
    created = ensure_partitions(feedback_session, later, ahead=2)
    assert created == [partition_name(add_months(later, n)) for n in range(3)]
    assert ensure_partitions(feedback_session, later, ahead=2) == []  # once


def test_every_unique_key_of_the_responses_holds_within_one_employees_rows(feedback_session, code):
    """What a table partitioned by day and distributed by employee needs (migrations 0040, 0047):
    each unique key names both, and no foreign key ties one response to another."""
    keys = feedback_session.execute(
        sa.text(
            "SELECT pg_get_indexdef(indexrelid) FROM pg_index"
            " WHERE indrelid = 'responses'::regclass AND indisunique"
        )
    ).scalars()
    columns = [definition.split("(", 1)[1] for definition in keys]
    assert len(columns) == 3  # the primary key, the submission id, one counted answer per device
    assert all("employee_id" in c and "day" in c for c in columns)
    assert not feedback_session.scalar(
        sa.text("SELECT count(*) FROM pg_constraint WHERE conrelid = 'responses'::regclass AND contype = 'f'")
    )
    sent = submission(code)
    submit_response(feedback_session, sent, in_database=True)
    again = submit_response(feedback_session, sent, in_database=True)
    assert again.duplicate  # a resend still counts once


@BOTH_PATHS
def test_the_first_and_last_second_of_a_month_land_in_their_months(feedback_session, code, in_database):
    first = dt.datetime.combine(NEXT_MONTH, dt.time(0, 0, 0), TEHRAN)
    last = first - dt.timedelta(seconds=1)
    early = submit_response(feedback_session, submission(code, "d1"), first, in_database=in_database)
    late = submit_response(feedback_session, submission(code, "d2"), last, in_database=in_database)
    assert _partition_of(feedback_session, early.response_id) == partition_name(NEXT_MONTH)
    assert _partition_of(feedback_session, late.response_id) == partition_name(add_months(NEXT_MONTH, -1))


@BOTH_PATHS
def test_a_resend_across_the_month_boundary_counts_once(feedback_session, code, in_database):
    """Sent in the month's last second, resent (the phone was offline) in the next month's first:
    the two days are two partitions, and the submission id is still found."""
    first = dt.datetime.combine(NEXT_MONTH, dt.time(0, 0, 0), TEHRAN)
    sent = submission(code, "d1")
    stored = submit_response(feedback_session, sent, first - dt.timedelta(seconds=1), in_database=in_database)
    again = submit_response(feedback_session, sent, first + dt.timedelta(seconds=1), in_database=in_database)
    assert again.duplicate and again.response_id == stored.response_id
    assert feedback_session.scalar(select(func.count()).select_from(Response)) == 1
    assert _nation_total(feedback_session) == 1


@BOTH_PATHS
def test_replacing_an_answer_across_the_utc_months_boundary_counts_once(feedback_session, code, in_database):
    """The 1st in Tehran starts at 20:30 UTC on the month before's last day: an answer then and its
    replacement after UTC midnight are one Tehran day, one partition, one counted answer."""
    utc_midnight = dt.datetime.combine(NEXT_MONTH, dt.time(0, 0), dt.UTC)
    before = submit_response(
        feedback_session,
        submission(code, "d1", answers=(1, 1, 1, 1)),
        utc_midnight - dt.timedelta(hours=2),
        in_database=in_database,
    )
    after = submit_response(
        feedback_session,
        submission(code, "d1", answers=(5, 5, 5, 5)),
        utc_midnight + dt.timedelta(hours=1),
        in_database=in_database,
    )
    statuses = dict(feedback_session.execute(select(Response.id, Response.status)).all())
    assert statuses == {before.response_id: REPLACED, after.response_id: COUNTED}
    assert {_partition_of(feedback_session, r) for r in statuses} == {partition_name(NEXT_MONTH)}
    rollups = stored_rollups(feedback_session)
    assert rollups[("nation", NATION_KEY, "total")][:2] == (1, 5)
    incremental = stored_rollups(feedback_session)
    rebuild_rollups(feedback_session, SYSTEM)
    assert stored_rollups(feedback_session) == incremental


def test_retention_drops_old_months_and_every_total_stays(feedback_session, code):
    old = add_months(month_start(tehran_today()), -20)
    assert partition_name(old) not in list_partitions(feedback_session)
    when = dt.datetime.combine(old + dt.timedelta(days=3), dt.time(12), TEHRAN)
    kept = submit_response(feedback_session, submission(code, "d0"), when)
    assert _partition_of(feedback_session, kept.response_id) == "responses_default"
    create_partition(feedback_session, old)  # the default partition's rows of that month move in
    assert _partition_of(feedback_session, kept.response_id) == partition_name(old)
    submit_response(feedback_session, submission(code, "d1"))
    before = stored_rollups(feedback_session)
    assert before[("nation", NATION_KEY, "total")][0] == 2
    with pytest.raises(ValueError, match="at least 13"):
        drop_old_partitions(feedback_session, 12)
    dropped = drop_old_partitions(feedback_session, 13)
    assert partition_name(old) in dropped
    assert all(
        name >= partition_name(add_months(month_start(tehran_today()), -13))
        for name in list_partitions(feedback_session)
    )
    assert feedback_session.scalar(select(func.count()).select_from(Response)) == 1
    assert stored_rollups(feedback_session) == before  # totals, periods and days as they were


def test_sqlite_keeps_a_plain_table(tmp_path):
    url = f"sqlite:///{tmp_path / 'feedback.db'}"
    migrate.upgrade("feedback", url)
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        assert not is_partitioned(session)
        assert ensure_partitions(session) == []
        assert drop_old_partitions(session, 13) == []
    engine.dispose()


def test_the_worker_creates_the_months_ahead(committed_feedback, feedback_worker, feedback_celery_app):
    """The beat's `maintain-partitions`, run by the real worker, puts back a month ahead that is
    missing (dropped here, committed)."""
    entry = feedback_celery_app.conf.beat_schedule["maintain-partitions"]
    assert entry["task"] == TaskNames.MAINTAIN_PARTITIONS
    furthest = partition_name(add_months(month_start(tehran_today()), AHEAD_MONTHS))
    factory = make_sessionmaker(committed_feedback)
    with factory() as session:
        assert furthest in list_partitions(session)
        session.execute(sa.text(f"DROP TABLE {furthest}"))
        session.commit()
    feedback_celery_app.send_task(
        TaskNames.MAINTAIN_PARTITIONS, queue=feedback_celery_app.conf.task_default_queue
    )
    with factory() as session:

        def created() -> bool:
            session.rollback()
            return furthest in list_partitions(session)

        wait_until(created, timeout=30, interval=0.2, what="the worker to create the month ahead")
