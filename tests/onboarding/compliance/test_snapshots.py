"""Values and statuses of real snapshots on a crafted catalog, checked against hand computation."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from catalog.models import AgencyKind, EService, ServiceKind, ServiceStatus
from core.actors import SYSTEM
from onboarding.compliance import metrics, services
from onboarding.compliance.models import ComplianceSnapshot, Notification
from onboarding.compliance.schemas import Status
from tests.onboarding.compliance import factories as f

DAY = dt.date(2025, 1, 9)


def snapshot(session, agency, milestone, day=DAY):
    return session.scalar(
        select(ComplianceSnapshot).where(
            ComplianceSnapshot.agency_id == agency.id,
            ComplianceSnapshot.milestone_id == milestone.id,
            ComplianceSnapshot.day == day,
        )
    )


@pytest.fixture
def catalog(db_session):
    """Agency A: services at maturity 0,2,3,3,4 (+ one retired at 0, one draft at 1); inquiries 2 of 3 online.
    Agency B: only inquiries (no services). Agency C: provincial office under A, services 4,4."""
    a = f.agency(db_session, AgencyKind.ministry, name="A")
    b = f.agency(db_session, AgencyKind.organization, name="B")
    c = f.agency(db_session, AgencyKind.provincial_office, parent=a, province="07", name="C")
    f.services(db_session, a, [0, 2, 3, 3, 4])
    f.services(db_session, a, [0], status=ServiceStatus.retired)
    f.services(db_session, a, [1], status=ServiceStatus.draft)
    f.services(db_session, a, [0, 0, 0], kind=ServiceKind.inquiry, online=[True, True, False])
    f.services(db_session, b, [0], kind=ServiceKind.inquiry, online=[True])
    f.services(db_session, c, [4, 4])
    return a, b, c


def test_metrics_match_hand_computation(db_session, catalog):
    a, b, c = catalog
    electronic = metrics.measure(db_session, "electronic", [a.id, b.id, c.id])
    assert electronic[a.id] == (3, 5, 0.6)  # retired and draft do not count
    assert electronic[b.id] == (0, 0, None)  # no services: no data, not 0%
    assert electronic[c.id] == (2, 2, 1.0)
    assert metrics.measure(db_session, "smart", [a.id])[a.id] == (1, 5, 0.2)
    inquiries = metrics.measure(db_session, "inquiries_online", [a.id, b.id, c.id])
    assert inquiries[a.id].numerator == 2 and inquiries[a.id].denominator == 3
    assert inquiries[b.id] == (1, 1, 1.0)
    assert inquiries[c.id].value is None


def test_migration_metrics_before_migration_data_exist(db_session, catalog):
    a, _, _ = catalog
    assert metrics.measure(db_session, "workloads_migrated", [a.id])[a.id].value is None
    assert metrics.measure(db_session, "data_centers_retired", [a.id])[a.id].value is None
    assert metrics.measure(db_session, "joined_cloud", [a.id])[a.id] == (0, 1, 0.0)  # not met


def test_snapshot_statuses_and_group_figures(db_session, catalog):
    a, b, c = catalog
    program = f.program(db_session)
    electronic = f.milestone(db_session, program, "electronic", 1.0, dt.date(2025, 3, 1))
    smart = f.milestone(db_session, program, "smart", 0.2, DAY)  # deadline today
    inquiries = f.milestone(db_session, program, "inquiries_online", 1.0, DAY - dt.timedelta(days=1))
    services.take_snapshot(db_session, SYSTEM, DAY)

    row = snapshot(db_session, a, electronic)
    assert (row.numerator, row.denominator, row.value, row.status) == (3, 5, 0.6, Status.at_risk)
    assert (row.group_numerator, row.group_denominator) == (5, 7)  # A's own 3/5 plus C's 2/2
    assert snapshot(db_session, b, electronic).status == Status.no_data
    assert snapshot(db_session, c, electronic).status == Status.met
    assert snapshot(db_session, a, smart).status == Status.met  # exactly 20% on the deadline day
    assert snapshot(db_session, a, inquiries).status == Status.missed  # 2/3 and the deadline has passed
    assert snapshot(db_session, b, inquiries).status == Status.met


def test_scope_limits_agencies_by_kind(db_session, catalog):
    a, b, c = catalog
    program = f.program(db_session)
    ministries_only = f.milestone(db_session, program, "electronic", 1.0, DAY, scope_kinds=["ministry"])
    services.take_snapshot(db_session, SYSTEM, DAY)
    assert snapshot(db_session, a, ministries_only) is not None
    assert snapshot(db_session, b, ministries_only) is None
    assert snapshot(db_session, c, ministries_only) is None
    assert snapshot(db_session, a, ministries_only).group_denominator == 5  # C is out of scope


def test_recomputing_the_same_day_replaces_and_a_trend_puts_an_agency_on_track(db_session, catalog):
    a, _, _ = catalog
    program = f.program(db_session)
    electronic = f.milestone(db_session, program, "electronic", 1.0, DAY + dt.timedelta(days=4))
    before = DAY - dt.timedelta(days=2)
    services.take_snapshot(db_session, SYSTEM, before)
    assert snapshot(db_session, a, electronic, before).value == 0.6
    # two days later the maturity-2 service reached 3: 0.6 → 0.8 is +0.1 a day; 0.8 + 0.1 × 4 days >= 1.0
    upgraded = db_session.scalar(select(EService).where(EService.agency_id == a.id, EService.maturity == 2))
    upgraded.maturity = 3
    services.take_snapshot(db_session, SYSTEM, DAY)
    today = snapshot(db_session, a, electronic)
    assert today.value == pytest.approx(0.8)
    assert today.status == Status.on_track
    assert today.projected == pytest.approx(1.2)
    services.take_snapshot(db_session, SYSTEM, DAY)  # again: replaced, not duplicated
    count = db_session.scalar(
        select(func.count()).select_from(ComplianceSnapshot).where(ComplianceSnapshot.agency_id == a.id)
    )
    assert count == 2


def test_recompute_agency_writes_the_agency_and_its_parents_only(db_session, catalog):
    a, b, c = catalog
    program = f.program(db_session)
    electronic = f.milestone(db_session, program, "electronic", 1.0, DAY)
    services.recompute_agency(db_session, SYSTEM, c.id, DAY)
    assert snapshot(db_session, c, electronic) is not None
    assert snapshot(db_session, a, electronic).group_numerator == 5
    assert snapshot(db_session, b, electronic) is None


def test_at_risk_agencies_get_one_reminder_inside_the_window(db_session, catalog):
    a, b, _ = catalog
    program = f.program(db_session)
    near = f.milestone(
        db_session, program, "electronic", 1.0, DAY + dt.timedelta(days=10), remind_days_before=14
    )
    far = f.milestone(db_session, program, "inquiries_online", 1.0, DAY + dt.timedelta(days=60))
    services.take_snapshot(db_session, SYSTEM, DAY)
    services.take_snapshot(db_session, SYSTEM, DAY + dt.timedelta(days=1))
    reminders = db_session.scalars(select(Notification).where(Notification.agency_id == a.id)).all()
    assert [(n.milestone_id, n.email_status) for n in reminders] == [(near.id, "not_configured")]
    assert far.id not in {n.milestone_id for n in reminders}
    assert db_session.scalars(select(Notification).where(Notification.agency_id == b.id)).all() == []
