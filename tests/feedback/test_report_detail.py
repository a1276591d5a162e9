"""A missing-code report's page on the dashboards: what the citizen sent (the place on the map, that a
photo came through Bale), its history, and an owner and deadline set by the accounts that handle it."""

from __future__ import annotations

import html5lib
import jdatetime
from sqlalchemy import select

from core.dates import tehran_today
from feedback.reports.models import MissingCodeReport, ReportTransition
from tests.feedback.dashboard_helpers import add_bale_report, viewer_client
from tests.feedback.dashboard_helpers import add_report as add_web_report
from tests.fixtures.feedback import ADMIN_EMAIL, create_admin, csrf_token


def _bale_report(session) -> MissingCodeReport:
    return add_bale_report(session)


def _jalali(days_ahead: int) -> str:
    day = jdatetime.date.fromgregorian(date=tehran_today()) + jdatetime.timedelta(days=days_ahead)
    return f"{day.year}/{day.month:02d}/{day.day:02d}"


def test_a_bale_report_shows_its_place_and_photo_and_gets_an_owner_and_deadline(
    feedback_app, feedback_session
):
    report = _bale_report(feedback_session)
    create_admin(feedback_session)
    agency = viewer_client(feedback_app, feedback_session, "agency:MICT")  # ITO's ministry
    listing = agency.get("/dashboard/reports").get_data(as_text=True)
    assert f'href="/dashboard/reports/{report.id}"' in listing
    page = agency.get(f"/dashboard/reports/{report.id}").get_data(as_text=True)
    html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(page)
    assert 'class="report-location"' in page and "mlat=35.7219" in page
    assert "از راه بله فرستاده شده" in page and "777" not in page  # the reporter's chat stays hidden

    token = csrf_token(page)
    bad = agency.post(
        f"/dashboard/reports/{report.id}/assign",
        data={"csrf_token": token, "owner": "nobody@example.ir", "deadline": "فردا"},
    )
    assert bad.status_code == 422
    assert 'id="owner-error"' in bad.text and 'id="deadline-error"' in bad.text
    good = agency.post(
        f"/dashboard/reports/{report.id}/assign",
        data={"csrf_token": token, "owner": ADMIN_EMAIL, "deadline": _jalali(7)},
    )
    assert good.status_code == 302
    feedback_session.expire_all()
    stored = feedback_session.get(MissingCodeReport, report.id)
    assert stored.owner == ADMIN_EMAIL and (stored.deadline - tehran_today()).days == 7
    steps = feedback_session.scalars(
        select(ReportTransition).where(ReportTransition.report_id == report.id)
    ).all()
    assert steps[-1].actor_label == agency.account.email and ADMIN_EMAIL in steps[-1].note
    page = agency.get(f"/dashboard/reports/{report.id}").get_data(as_text=True)
    assert ADMIN_EMAIL in page.split('id="report-owner"')[1].split("</dd>")[0]


def test_another_scopes_report_is_not_found_and_a_unit_gets_none(feedback_app, feedback_session):
    report = _bale_report(feedback_session)
    web = add_web_report(feedback_session, "سازمان تأمین اجتماعی", "IR-00")
    assert (
        viewer_client(feedback_app, feedback_session, "agency:SSO")
        .get(f"/dashboard/reports/{report.id}")
        .status_code
        == 404
    )
    assert (
        viewer_client(feedback_app, feedback_session, "province:IR-00")
        .get(f"/dashboard/reports/{web.id}")
        .status_code
        == 200
    )
    assert (
        viewer_client(feedback_app, feedback_session, "unit:ITO/اداره فناوری")
        .get(f"/dashboard/reports/{report.id}")
        .status_code
        == 403
    )
    page = (
        viewer_client(feedback_app, feedback_session, "nation")
        .get(f"/dashboard/reports/{web.id}")
        .get_data(as_text=True)
    )
    assert 'class="report-location"' not in page and "فرم وب" in page


# the smallest valid JPEG-looking bytes are enough: the page serves what Bale gave, as an image
PHOTO = b"\xff\xd8\xff\xe0" + b"JFIF-test-photo" + b"\xff\xd9"


def test_the_photo_is_fetched_from_bale_and_shown_on_the_report_page(
    feedback_app, feedback_session, tmp_path
):
    from feedback.jobs.files import job_files
    from feedback.reports import outbox
    from feedback.reports.photos import GIVEN_UP, fetch_photos
    from tests.feedback import bale_helpers as bh

    report = _bale_report(feedback_session)
    lost = _bale_report(feedback_session)
    lost.photo_file_id = "gone-from-bale"
    feedback_session.commit()
    store = job_files(feedback_session, tmp_path)
    with bh.BotApiStandIn() as stand_in:
        stand_in.files["AgACAgQAAxkBAAIB"] = PHOTO
        api = outbox.BotApi(stand_in.url, "999:photo-token")
        assert fetch_photos(feedback_session, api, store) == 1
        assert fetch_photos(feedback_session, api, store) == 0  # fetched once, never again
        assert [c["path"].rsplit("/", 1)[-1] for c in stand_in.calls] == [
            "getFile",
            "AgACAgQAAxkBAAIB.jpg",
            "getFile",
        ]
    feedback_session.expire_all()
    assert feedback_session.get(MissingCodeReport, lost.id).photo_key == GIVEN_UP

    agency = viewer_client(feedback_app, feedback_session, "agency:ITO")
    page = agency.get(f"/dashboard/reports/{report.id}").get_data(as_text=True)
    assert f'src="/dashboard/reports/{report.id}/photo"' in page
    photo = agency.get(f"/dashboard/reports/{report.id}/photo")
    assert photo.status_code == 200 and photo.data == PHOTO and photo.mimetype == "image/jpeg"
    assert agency.get(f"/dashboard/reports/{lost.id}/photo").status_code == 404
    other = viewer_client(feedback_app, feedback_session, "agency:SSO")
    assert other.get(f"/dashboard/reports/{report.id}/photo").status_code == 404
    assert (
        feedback_app.test_client().get(f"/dashboard/reports/{report.id}/photo").status_code == 302
    )  # sign in
