"""Builders for dashboard tests: scoped viewer accounts, signed-in clients, rollup rows, reports."""

from __future__ import annotations

from core.actors import SYSTEM
from core.dates import tehran_today as today
from feedback.accounts.services import create_viewer
from feedback.reports.models import MissingCodeReport
from feedback.reports.schemas import Channel
from feedback.reports.services import ReportDraft, submit_web_report
from feedback.reports.services import add_report as add_draft
from feedback.rollups.models import rollup_keys
from feedback.rollups.services import apply_deltas
from tests.fixtures.feedback import ADMIN_PASSWORD as PASSWORD
from tests.fixtures.feedback import sign_in

UNIT = "اداره فناوری"


def viewer_client(app, session, scope: str):
    """A test client signed in as a new viewer of `scope`; the account is `client.account`."""
    email = f"{scope.replace(':', '-').replace('/', '-')}@viewer.example.ir".replace(" ", "")
    account = create_viewer(session, SYSTEM, email, PASSWORD, scope)
    client = app.test_client()
    sign_in(client, email=email, password=PASSWORD)
    client.account = account
    return client


def add_responses(
    session,
    employee_id: int,
    answers: tuple[int, int, int, int],
    count: int = 1,
    *,
    unit: str = UNIT,
    agency: str = "ITO",
    county: str = "2301",
    province: str = "IR-23",
) -> None:
    """`count` identical counted responses today, added to every rollup level as the survey does."""
    delta = (count, *(a * count for a in answers))
    keys = rollup_keys(employee_id, unit, agency, county, province)
    apply_deltas(session, [{(level, key, today()): delta for level, key in keys}])
    session.commit()


def add_report(session, agency: str, province: str) -> MissingCodeReport:
    """A missing-code report submitted on the web form (no county, no employee name)."""
    return submit_web_report(
        session,
        agency=agency,
        province=province,
        county="",
        office_name="شعبه مرکزی",
        office_address="خیابان آزادی، پلاک ۱",
        employee_name="",
    )


def add_flagged(
    session,
    agency: str = "ITO",
    province: str = "IR-23",
    unit: str = UNIT,
    comment: str | None = None,
    status: str = "flagged",
) -> int:
    """A flagged answer stored as the survey stores one the misuse rules held out (or, with
    status="counted", a counted one, say to carry a comment); returns its id."""
    import uuid

    from feedback.survey.models import FLAGGED, Response

    response = Response(
        employee_id=1,
        code_id=1,
        day=today(),
        device_hash=uuid.uuid4().hex,
        ip_hash="i" * 64,
        q1=1,
        q2=1,
        q3=1,
        q4=1,
        comment=comment,
        status=status,
        flag_rule="same_ip" if status == FLAGGED else None,
        submission_id=str(uuid.uuid4()),
        unit=unit,
        agency_code=agency,
        province_code=province,
        county_code="2301" if province == "IR-23" else "0001",
    )
    session.add(response)
    session.commit()
    return response.id


def add_bale_report(session, photo_file_id: str = "AgACAgQAAxkBAAIB") -> MissingCodeReport:
    """A report sent through the Bale bot, of ITO in Tehran, with the place and a photo's file id."""
    report = add_draft(
        session,
        ReportDraft(
            agency_code="ITO",
            province_code="IR-23",
            office_name="اداره فناوری شمال",
            office_address="خیابان شریعتی",
            channel=Channel.bale,
            latitude=35.7219,
            longitude=51.3347,
            photo_file_id=photo_file_id,
            reporter_chat_id=777,
        ),
    )
    session.commit()
    return report
