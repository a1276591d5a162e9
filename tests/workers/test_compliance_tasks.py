"""The compliance tasks on a real Celery worker and Redis: the daily snapshot and debounced recomputes."""

import datetime as dt

import redis
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.models import AgencyKind
from onboarding.compliance.models import ComplianceSnapshot
from tests.onboarding.compliance import factories as f
from tests.waiting import wait_until
from workers.celery_names import TaskNames


def _catalog(engine):
    with Session(engine, expire_on_commit=False) as session:
        agency = f.agency(session, AgencyKind.organization)
        f.services(session, agency, [1, 3, 3, 4])
        program = f.program(session)
        milestone = f.milestone(session, program, "electronic", 1.0, dt.date(2099, 3, 20))
        session.commit()
        return agency.id, milestone.id


def _snapshots(engine, agency_id):
    with Session(engine) as session:
        query = select(ComplianceSnapshot).where(ComplianceSnapshot.agency_id == agency_id)
        return session.scalars(query).all()


def test_daily_snapshot_task_writes_the_days_rows(committed_platform, celery_app, celery_worker):
    agency_id, milestone_id = _catalog(committed_platform)
    result = celery_app.tasks[TaskNames.DAILY_SNAPSHOT].delay("2025-01-09").get(timeout=60)
    assert result["day"] == "2025-01-09" and result["rows"] == 1
    (row,) = _snapshots(committed_platform, agency_id)
    assert (row.milestone_id, row.numerator, row.denominator, row.status) == (milestone_id, 3, 4, "at_risk")


def test_a_burst_of_catalog_changes_recomputes_once(committed_platform, celery_app, celery_worker, settings):
    from workers.tasks.compliance import debounce_key, request_recompute

    agency_id, _ = _catalog(committed_platform)
    client = redis.Redis.from_url(settings.redis_url)
    # ids restart with each emptied table: an earlier test's key for this id must not fold this burst
    client.delete(debounce_key(settings, agency_id))
    scheduled = [request_recompute(agency_id, delay=1, celery_app=celery_app) for _ in range(5)]
    assert scheduled == [True, False, False, False, False]
    assert client.ttl(debounce_key(settings, agency_id)) > 0
    wait_until(
        lambda: _snapshots(committed_platform, agency_id), interval=0.2, what="the recompute's snapshot"
    )
    (row,) = _snapshots(committed_platform, agency_id)
    assert row.numerator == 3 and row.denominator == 4
    assert (
        client.exists(debounce_key(settings, agency_id)) == 0
    )  # the task cleared it: the next change schedules again


def test_a_recompute_for_an_agency_gone_by_then_refreshes_nothing_and_fails_nothing(
    committed_platform, celery_app, celery_worker, caplog
):
    """A recompute is asked for with a delay; if its agency is gone when it runs, there is nothing to
    refresh: the task succeeds with no rows and says so, rather than failing with a traceback."""
    missing = 2_000_000_000
    with caplog.at_level("WARNING", logger="workers.tasks.compliance"):
        result = celery_app.tasks[TaskNames.RECOMPUTE_AGENCY].delay(missing).get(timeout=60)
    assert result["agency_id"] == missing and result["rows"] == 0
    assert f"agency {missing} no longer exists" in caplog.text
