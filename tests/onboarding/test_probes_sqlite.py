"""The embedded default (`make run`) is SQLite: the probe and satisfaction migrations go up and down
there too, and every probe query the worker and the pages run works on it."""

import datetime as dt

from sqlalchemy import select

from catalog.models import Agency, AgencyKind, ServiceKind
from core import migrate
from core.actors import SYSTEM
from core.dates import utcnow
from core.db import make_engine, make_sessionmaker
from onboarding.compliance.models import ComplianceSnapshot
from onboarding.compliance.snapshots import compute_snapshots
from onboarding.probes import queries, services, status
from onboarding.probes.models import ProbeDaily, ProbeResult
from onboarding.probes.prober import ProbeConfig, parse_networks
from onboarding.satisfaction import services as satisfaction
from tests.onboarding.compliance import factories as f

LOCAL = ProbeConfig(allowed_networks=parse_networks("127.0.0.0/8"), total_timeout=5)


def test_probes_evidence_and_satisfaction_on_sqlite(tmp_path, probe_server):
    url = f"sqlite:///{tmp_path / 'govcloud.db'}"
    migrate.upgrade("platform", url)
    migrate.downgrade("platform", url, "0012")
    migrate.upgrade("platform", url)
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as session:
            agency = f.agency(session, AgencyKind.organization)
            answers, fails = f.services(session, agency, [3, 3])
            (inquiry,) = f.services(session, agency, [0], kind=ServiceKind.inquiry, online=[True])
            answers.public_url, fails.public_url = probe_server.url("/ok"), probe_server.url("/error")
            inquiry.public_url = probe_server.url("/openapi.json")
            program = f.program(session)
            milestone = f.milestone(session, program, "electronic", 1.0, dt.date(2099, 1, 1))
            milestone.evidence_required = True
            session.commit()
            due = services.claim_due_probes(session, SYSTEM)
            assert sorted(due) == sorted([answers.id, fails.id, inquiry.id])
            assert services.claim_due_probes(session, SYSTEM) == []
            for service_id in due:
                services.probe_service(session, SYSTEM, service_id, LOCAL)
            old = utcnow() - dt.timedelta(days=2)
            session.add(
                ProbeResult(service_id=answers.id, agency_id=agency.id, at=old, up=True, latency_ms=3)
            )
            session.commit()
            assert services.fold_and_expire(session, SYSTEM, retention_days=30)["days"] == 1
            assert session.scalar(select(ProbeDaily.probes).where(ProbeDaily.service_id == answers.id)) == 1
            compute_snapshots(session, utcnow().date())
            row = session.scalar(
                select(ComplianceSnapshot).where(ComplianceSnapshot.milestone_id == milestone.id)
            )
            assert (row.numerator, row.denominator) == (1, 2)
            week = queries.availability_by_service(session, due, utcnow() - dt.timedelta(days=7), utcnow())
            assert week[fails.id].ratio == 0.0 and week[answers.id].ratio == 1.0
            rows, pages = status.national(session, utcnow())
            assert [r.agency.id for r in rows] == [agency.id] and pages == 1
            assert {r.service.id: r.week.ratio for r in status.agency(session, agency.id, utcnow())}[
                answers.id
            ] == 1.0
            session.add(Agency(code="ITO", name_fa="ف", name_en="ITO", kind=AgencyKind.organization))
            session.commit()
            payload = {"rows": [{"kind": "agency", "code": "ITO", "count": 9, "score": 80.0}]}
            for _ in range(2):  # the day's row is replaced, not doubled
                assert satisfaction.import_scores(session, SYSTEM, payload, utcnow().date()).imported == 1
    finally:
        engine.dispose()
