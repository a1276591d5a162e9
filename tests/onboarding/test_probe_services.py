"""Probe use cases with a session: what comes due, one row per probe, probe-now isolation, folding."""

import datetime as dt
import random
from contextlib import contextmanager

import pytest
from sqlalchemy import select

from catalog.models import AgencyKind, ServiceKind, ServiceStatus
from core.actors import SYSTEM, Actor, Role
from core.errors import NotAuthorized, NotFound
from onboarding.probes import queries, services
from onboarding.probes.models import ProbeDaily, ProbeResult, ProbeTarget
from onboarding.probes.prober import ErrorClass, ProbeConfig, parse_networks
from tests.onboarding.compliance import factories as f

LOCAL = ProbeConfig(allowed_networks=parse_networks("127.0.0.0/8"), total_timeout=10)
NOW = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)


def _service(session, agency, url, status=ServiceStatus.active, kind=ServiceKind.service):
    (service,) = f.services(session, agency, [3], kind=kind, status=status)
    service.public_url = url
    session.flush()
    return service


def test_active_services_with_a_url_come_due_once_per_interval_with_jitter(db_session):
    agency = f.agency(db_session, AgencyKind.organization)
    probed = _service(db_session, agency, "http://127.0.0.1:9/a")
    inquiry = _service(db_session, agency, "http://127.0.0.1:9/b", kind=ServiceKind.inquiry)
    _service(db_session, agency, "")  # no URL: nothing to probe
    _service(db_session, agency, "http://127.0.0.1:9/c", status=ServiceStatus.draft)
    _service(db_session, agency, "http://127.0.0.1:9/d", status=ServiceStatus.retired)
    rng = random.Random(7)
    due = services.claim_due_probes(db_session, SYSTEM, NOW, default_interval=300, rng=rng)
    assert sorted(due) == sorted([probed.id, inquiry.id])
    assert services.claim_due_probes(db_session, SYSTEM, NOW, rng=rng) == []  # not sent twice
    for target in db_session.scalars(select(ProbeTarget)):
        wait = (target.next_due_at.replace(tzinfo=dt.UTC) - NOW).total_seconds()
        assert 300 <= wait <= 330  # the interval plus up to 10% jitter
    later = NOW + dt.timedelta(seconds=331)
    assert sorted(services.claim_due_probes(db_session, SYSTEM, later, rng=rng)) == sorted(due)


def test_only_the_platform_schedules_and_runs_probes(db_session):
    member = Actor(id=1, role=Role.agency_member, agency_ids=frozenset({1}))
    with pytest.raises(NotAuthorized):
        services.claim_due_probes(db_session, member, NOW)
    with pytest.raises(NotAuthorized):
        services.probe_service(db_session, member, 1, LOCAL)


def test_each_probe_is_one_row_with_its_outcome(db_session, probe_server):
    agency = f.agency(db_session, AgencyKind.organization)
    up = _service(db_session, agency, probe_server.url("/ok"))
    down = _service(db_session, agency, probe_server.url("/error"))
    good = services.probe_service(db_session, SYSTEM, up.id, LOCAL)
    bad = services.probe_service(db_session, SYSTEM, down.id, LOCAL)
    assert (good.up, good.status_code, good.error_class, good.agency_id) == (True, 200, "", agency.id)
    assert (bad.up, bad.status_code, bad.error_class) == (False, 500, ErrorClass.STATUS)
    assert db_session.scalar(select(ProbeResult.address).where(ProbeResult.id == good.id)) == "127.0.0.1"
    retired = _service(db_session, agency, probe_server.url("/ok"), status=ServiceStatus.retired)
    assert services.probe_service(db_session, SYSTEM, retired.id, LOCAL) is None


def test_a_services_own_expectations_apply(db_session, probe_server):
    agency = f.agency(db_session, AgencyKind.organization)
    inquiry = _service(db_session, agency, probe_server.url("/not-openapi"), kind=ServiceKind.inquiry)
    db_session.add(ProbeTarget(service_id=inquiry.id, interval_seconds=60, expect_status_class=2,
                               expect_text="", expect_openapi=True))  # fmt: skip
    db_session.flush()
    row = services.probe_service(db_session, SYSTEM, inquiry.id, LOCAL)
    assert not row.up and row.error_class == ErrorClass.OPENAPI


def test_a_busy_host_writes_nothing(db_session, probe_server):
    agency = f.agency(db_session, AgencyKind.organization)
    service = _service(db_session, agency, probe_server.url("/ok"))
    asked = []

    @contextmanager
    def busy(host):
        asked.append(host)
        yield False

    with pytest.raises(services.HostBusy):
        services.probe_service(db_session, SYSTEM, service.id, LOCAL, host_slot=busy)
    assert asked == ["127.0.0.1"] and probe_server.seen_agents == []
    assert db_session.scalar(select(ProbeResult).where(ProbeResult.service_id == service.id)) is None


def test_probe_now_is_for_the_agencys_own_people(db_session):
    own = f.agency(db_session, AgencyKind.organization)
    other = f.agency(db_session, AgencyKind.organization)
    service = _service(db_session, own, "http://127.0.0.1:9/")
    member = Actor(id=1, role=Role.agency_member, agency_ids=frozenset({own.id}))
    stranger = Actor(id=2, role=Role.agency_admin, agency_ids=frozenset({other.id}))
    overseer = Actor(id=3, role=Role.overseer)
    assert services.request_probe_now(db_session, member, service.id) is service
    with pytest.raises(NotFound):  # another agency's service is not even found
        services.request_probe_now(db_session, stranger, service.id)
    with pytest.raises(NotAuthorized):
        services.request_probe_now(db_session, overseer, service.id)
    unprobed = _service(db_session, own, "")
    with pytest.raises(NotFound):
        services.request_probe_now(db_session, member, unprobed.id)


def _result(session, service, at, up, latency=100):
    session.add(
        ProbeResult(
            service_id=service.id,
            agency_id=service.agency_id,
            at=at,
            up=up,
            status_code=200 if up else 500,
            latency_ms=latency,
            error_class="" if up else ErrorClass.STATUS,
            error_detail="",
            address="",
        )
    )


def test_finished_days_fold_into_daily_figures_and_old_rows_expire(db_session):
    agency = f.agency(db_session, AgencyKind.organization)
    service = _service(db_session, agency, "http://127.0.0.1:9/")
    old_day = NOW - dt.timedelta(days=40)
    yesterday = NOW - dt.timedelta(days=1)
    for minute, up in enumerate([True, True, True, False]):
        _result(db_session, service, old_day + dt.timedelta(minutes=minute), up, latency=100 * (minute + 1))
        _result(db_session, service, yesterday + dt.timedelta(minutes=minute), up, latency=10 * (minute + 1))
    _result(db_session, service, NOW, True)  # today: not folded yet
    db_session.flush()
    first = services.fold_and_expire(db_session, SYSTEM, retention_days=30, now=NOW)
    assert first["deleted"] == 4
    days = {
        row.day: row
        for row in db_session.scalars(select(ProbeDaily).where(ProbeDaily.service_id == service.id))
    }
    assert set(days) == {yesterday.date()}  # the old day was past retention before the first fold ran
    row = days[yesterday.date()]
    assert (row.probes, row.up, row.latency_p50_ms, row.latency_p95_ms) == (4, 3, 20.0, 30.0)
    again = services.fold_and_expire(db_session, SYSTEM, retention_days=30, now=NOW)
    assert again == {"days": 0, "deleted": 0}  # nothing changes the second time
    week = queries.availability_by_service(
        db_session, [service.id], NOW - dt.timedelta(days=7), NOW + dt.timedelta(seconds=1)
    )
    assert week[service.id].probes == 5 and week[service.id].ratio == pytest.approx(0.8)
    quarter = queries.daily_availability_by_service(
        db_session, [service.id], (NOW - dt.timedelta(days=90)).date(), NOW.date()
    )
    assert quarter[service.id].ratio == pytest.approx(0.75)


def test_an_agency_reads_only_its_own_probe_failures(db_session):
    own = f.agency(db_session, AgencyKind.organization)
    other = f.agency(db_session, AgencyKind.organization)
    mine = _service(db_session, own, "http://127.0.0.1:9/")
    theirs = _service(db_session, other, "http://127.0.0.1:9/")
    _result(db_session, mine, NOW, False)
    _result(db_session, theirs, NOW, False)
    db_session.flush()
    member = Actor(id=1, role=Role.agency_member, agency_ids=frozenset({own.id}))
    assert [r.service_id for r in queries.recent_failures(db_session, member, own.id)] == [mine.id]
    assert queries.recent_failures(db_session, member, other.id) == []
    evidence = queries.agency_evidence(db_session, member, own.id, NOW + dt.timedelta(seconds=1))
    assert [(e.service.id, e.week.probes, e.last.up) for e in evidence] == [(mine.id, 1, False)]
    assert queries.agency_evidence(db_session, member, other.id, NOW) == []
