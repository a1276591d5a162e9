"""Citizens' satisfaction in compliance: the platform reads the real feedback app's transparency JSON
over HTTP, maps its agency codes to catalog agencies, and a milestone "score >= X" is measured."""

import datetime as dt

import pytest
from sqlalchemy import select

from catalog.models import Agency, AgencyKind
from core.actors import SYSTEM, Actor, Role
from core.dates import tehran_today
from core.db import make_sessionmaker
from core.errors import NotAuthorized, ValidationError
from onboarding.compliance.models import ComplianceSnapshot
from onboarding.compliance.snapshots import compute_snapshots
from onboarding.satisfaction import services as satisfaction
from onboarding.satisfaction.models import SatisfactionScore
from tests.feedback.dashboard_helpers import add_responses
from tests.onboarding.compliance import factories as f


def _catalog_agency(session, code):
    agency = Agency(code=code, name_fa=f"دستگاه {code}", name_en=code, kind=AgencyKind.organization)
    session.add(agency)
    session.flush()
    return agency


def test_the_feedback_tenants_scores_become_a_milestone_metric(db_session, live_feedback, committed_feedback):
    with make_sessionmaker(committed_feedback)() as feedback:
        add_responses(feedback, 1, (5, 5, 4, 4), 6, agency="ITO")  # score 87.5 over 6 responses
        add_responses(feedback, 2, (2, 2, 2, 2), 6, agency="SSO", province="IR-00", county="0001")  # 25
        add_responses(feedback, 3, (5, 5, 5, 5), 2, agency="NIOC", province="IR-00", county="0001")  # under 5
    ito, sso, nioc = (_catalog_agency(db_session, code) for code in ("ITO", "SSO", "NIOC"))
    payload = satisfaction.fetch_transparency(f"{live_feedback.url}/transparency.json")
    result = satisfaction.import_scores(db_session, SYSTEM, payload, tehran_today())
    assert result.imported == 2 and result.withheld >= 1  # NIOC's two responses are withheld by the tenant
    scores = {row.agency_id: row for row in db_session.scalars(select(SatisfactionScore))}
    assert scores[ito.id].score == pytest.approx(87.5) and scores[ito.id].responses == 6
    assert nioc.id not in scores
    program = f.program(db_session)
    milestone = f.milestone(db_session, program, "satisfaction", 0.7, dt.date(2099, 1, 1))
    compute_snapshots(db_session, tehran_today())
    rows = {
        row.agency_id: row
        for row in db_session.scalars(
            select(ComplianceSnapshot).where(ComplianceSnapshot.milestone_id == milestone.id)
        )
    }
    assert rows[ito.id].status == "met" and rows[ito.id].value == pytest.approx(0.875)
    assert rows[sso.id].status != "met" and rows[sso.id].value == pytest.approx(0.25)
    assert rows[nioc.id].status == "no_data"


def test_only_the_platform_imports_and_bad_answers_are_refused(db_session, live_feedback):
    member = Actor(id=1, role=Role.agency_member, agency_ids=frozenset({1}))
    with pytest.raises(NotAuthorized):
        satisfaction.import_scores(db_session, member, {"rows": []}, tehran_today())
    with pytest.raises(ValidationError):
        satisfaction.fetch_transparency(f"{live_feedback.url}/transparency")  # the page, not JSON
    unknown = satisfaction.import_scores(
        db_session,
        SYSTEM,
        {"rows": [{"kind": "agency", "code": "NOPE", "count": 9, "score": 50.0}]},
        tehran_today(),
    )
    assert unknown.unknown == ["NOPE"] and unknown.imported == 0
