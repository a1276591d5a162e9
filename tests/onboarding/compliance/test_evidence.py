"""Compliance from evidence: with a milestone requiring it, a service counts as electronic (an inquiry
as online) only while its probes, made here against real servers on 127.0.0.1, show it answering."""

import datetime as dt

from sqlalchemy import select

from catalog.models import AgencyKind, ServiceKind
from core.actors import SYSTEM
from core.dates import utcnow
from onboarding.compliance.models import ComplianceSnapshot
from onboarding.compliance.snapshots import compute_snapshots
from onboarding.probes import services as probes
from onboarding.probes.models import ProbeResult
from onboarding.probes.prober import ProbeConfig, parse_networks
from tests.onboarding.compliance import factories as f

LOCAL = ProbeConfig(allowed_networks=parse_networks("127.0.0.0/8"), total_timeout=0.5)
DEADLINE = dt.date(2099, 3, 20)


def _row(session, agency, milestone):
    return session.scalar(
        select(ComplianceSnapshot).where(
            ComplianceSnapshot.agency_id == agency.id, ComplianceSnapshot.milestone_id == milestone.id
        )
    )


def test_services_count_as_electronic_only_while_they_answer(db_session, probe_server, closed_port):
    agency = f.agency(db_session, AgencyKind.organization)
    answers, errors, slow, down, unprobed, in_person = f.services(db_session, agency, [3, 3, 3, 4, 3, 1])
    answers.public_url = probe_server.url("/ok")
    errors.public_url = probe_server.url("/error")
    slow.public_url = probe_server.url("/slow")
    down.public_url = f"http://127.0.0.1:{closed_port}/"
    in_person.public_url = probe_server.url("/ok")  # answers, but declared below maturity 3
    inquiry, silent = f.services(db_session, agency, [0, 0], kind=ServiceKind.inquiry, online=[True, True])
    inquiry.public_url = probe_server.url("/openapi.json")
    silent.public_url = f"http://127.0.0.1:{closed_port}/"
    program = f.program(db_session)
    declared = f.milestone(db_session, program, "electronic", 1.0, DEADLINE)
    evidenced = f.milestone(db_session, program, "electronic", 1.0, DEADLINE)
    evidenced.evidence_required = True
    inquiries = f.milestone(db_session, program, "inquiries_online", 1.0, DEADLINE)
    inquiries.evidence_required = True
    db_session.flush()
    for service in (answers, errors, slow, down, in_person, inquiry, silent):
        probes.probe_service(db_session, SYSTEM, service.id, LOCAL)
    assert unprobed.public_url == ""
    compute_snapshots(db_session, utcnow().date())
    row = _row(db_session, agency, declared)
    assert (row.numerator, row.denominator) == (5, 6)  # what the agency declared
    assert row.declared_value is None  # no evidence required: the figure is the declared one
    row = _row(db_session, agency, evidenced)
    assert (row.numerator, row.denominator) == (1, 6)  # only the one that answers
    assert (row.declared_numerator, row.declared_value) == (5, 5 / 6)  # kept beside it
    row = _row(db_session, agency, inquiries)
    assert (row.numerator, row.denominator) == (1, 2)


def test_the_availability_threshold_and_window_apply(db_session):
    agency = f.agency(db_session, AgencyKind.organization)
    steady, shaky, stale = f.services(db_session, agency, [3, 3, 3])
    now = utcnow()
    for service, ups in ((steady, [True] * 20), (shaky, [True] * 18 + [False] * 2)):
        for minute, up in enumerate(ups):
            at = now - dt.timedelta(minutes=minute + 1)
            db_session.add(
                ProbeResult(service_id=service.id, agency_id=agency.id, at=at, up=up, latency_ms=5)
            )
    old = now - dt.timedelta(days=8)  # up, but before the 7-day window
    db_session.add(ProbeResult(service_id=stale.id, agency_id=agency.id, at=old, up=True, latency_ms=5))
    program = f.program(db_session)
    strict = f.milestone(db_session, program, "electronic", 1.0, DEADLINE)
    strict.evidence_required = True  # defaults: 7 days, 95%
    lenient = f.milestone(db_session, program, "electronic", 1.0, DEADLINE)
    lenient.evidence_required, lenient.evidence_min_availability, lenient.evidence_window_days = True, 0.9, 9
    db_session.flush()
    compute_snapshots(db_session, now.date())
    assert _row(db_session, agency, strict).numerator == 1  # 90% is under 95%; the stale one is too old
    assert _row(db_session, agency, lenient).numerator == 3


def test_the_matrix_exports_and_agency_report_show_declared_beside_evidenced(db_session, probe_server):
    from onboarding.compliance import exports, reports

    agency = f.agency(db_session, AgencyKind.organization)
    answers, _silent = f.services(db_session, agency, [3, 3])
    answers.public_url = probe_server.url("/ok")
    program = f.program(db_session)
    plain = f.milestone(db_session, program, "electronic", 1.0, DEADLINE)
    evidenced = f.milestone(db_session, program, "electronic", 1.0, DEADLINE)
    evidenced.evidence_required = True
    plain.title_en, evidenced.title_en = "declared only", "with evidence"
    db_session.flush()
    probes.probe_service(db_session, SYSTEM, answers.id, LOCAL)
    compute_snapshots(db_session, utcnow().date())

    board = reports.dashboard(db_session, SYSTEM, program.id)
    cell = board.rows[0].cells[evidenced.id]
    assert (cell.value, cell.declared_value, cell.declared_numerator) == (0.5, 1.0, 2)
    assert board.rows[0].cells[plain.id].declared_value is None
    header, _ = exports.matrix_header(board.milestones, "en")
    line = exports.matrix_line(board.rows[0], board.milestones, "en")
    assert len(header) == len(line)
    declared_column = header.index(f"{evidenced.title('en')}: declared %")
    assert line[declared_column] == 100.0 and line[declared_column - 4] == 50.0
    assert f"{plain.title('en')}: declared %" not in header  # only where evidence is required
    report = reports.agency_report(db_session, SYSTEM, program.id, agency.id)
    (summary_header, summary), _services = exports.agency_tables(report, "en")
    by_title = {line[0]: dict(zip(summary_header, line, strict=True)) for line in summary}
    assert by_title[evidenced.title("en")]["declared %"] == 100.0
    assert by_title[evidenced.title("en")]["value %"] == 50.0
