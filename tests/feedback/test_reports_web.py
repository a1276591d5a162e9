"""The public report form and status page of the feedback app (Flask test client)."""

from __future__ import annotations

import html5lib
from sqlalchemy import select

from feedback.reports import services
from feedback.reports.models import MissingCodeReport
from tests.fixtures.web import csrf_token_from

VALID = {
    "agency": "سازمان تأمین اجتماعی",
    "province": "IR-23",
    "county": "",
    "office_name": "شعبه ۷ تأمین اجتماعی",
    "office_address": "تهران، خیابان انقلاب، پلاک ۱۰",
    "employee_name": "مریم احمدی",
}


def _valid_html(text: str) -> None:
    html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(text)


def _post(client, **changes):
    token = csrf_token_from(client.get("/report-missing-code").get_data(as_text=True))
    return client.post("/report-missing-code", data={**VALID, **changes, "csrf_token": token})


def test_the_form_is_persian_rtl_tiny_and_valid(feedback_client):
    response = feedback_client.get("/report-missing-code")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    _valid_html(page)
    assert 'dir="rtl"' in page and "گزارش میز بدون کد" in page and 'name="csrf_token"' in page
    css = feedback_client.get("/static/css/feedback.css")
    assert len(response.data) + len(css.data) < 30_000  # everything the page loads
    assert "<script" not in page


def test_a_report_without_the_csrf_token_is_refused(feedback_client, feedback_session):
    assert feedback_client.post("/report-missing-code", data=VALID).status_code == 400
    assert feedback_session.scalar(select(MissingCodeReport)) is None


def test_a_report_is_filed_and_the_tracking_number_shown(feedback_client, feedback_session):
    response = _post(feedback_client)
    assert response.status_code == 302
    report = feedback_session.scalar(select(MissingCodeReport))
    assert response.headers["Location"].endswith(f"/report-missing-code/{report.tracking_number}?new=1")
    assert (report.channel, report.agency_code, report.reporter_chat_id) == ("web", "SSO", None)
    page = feedback_client.get(response.headers["Location"]).get_data(as_text=True)
    _valid_html(page)
    persian = report.tracking_number.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    assert persian in page and "گزارش شما ثبت شد" in page and "باز" in page


def test_the_status_page_shows_status_agency_and_dates_only(feedback_client, feedback_session):
    report = services.submit_web_report(feedback_session, **VALID)
    services.transition_report(
        feedback_session, report.id, "verified", "بازدید شد؛ تماس با خانم احمدی", "ناظر"
    )
    page = feedback_client.get(f"/report-missing-code/{report.tracking_number}").get_data(as_text=True)
    assert "سازمان تأمین اجتماعی" in page and "بررسی و تأیید شد" in page
    for private in ("مریم احمدی", "انقلاب", "شعبه ۷", "تماس با خانم", "ناظر"):
        assert private not in page
    assert "گزارش شما ثبت شد" not in page  # the thank-you note is only for the one who filed it
    english = feedback_client.get(f"/report-missing-code/{report.tracking_number}?lang=en")
    assert "Social Security Organization" in english.get_data(as_text=True)


def test_unknown_or_mistyped_tracking_numbers_are_not_found(feedback_client, feedback_session):
    report = services.submit_web_report(feedback_session, **VALID)
    typo = report.tracking_number[:-1] + str((int(report.tracking_number[-1]) + 1) % 10)
    assert feedback_client.get(f"/report-missing-code/{typo}").status_code == 404
    assert feedback_client.get("/report-missing-code/abc").status_code == 404
    spaced = f"{report.tracking_number[:3]}-{report.tracking_number[3:]}"
    assert feedback_client.get(f"/report-missing-code/{spaced}").status_code == 200


def test_bad_fields_are_shown_in_persian_and_the_answers_kept(feedback_client, feedback_session):
    response = _post(feedback_client, agency="اداره جادو", office_name="", employee_name="x" * 121)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    _valid_html(page)
    assert "دستگاهی با این نام پیدا نشد" in page
    assert page.count("این فیلد لازم است.") == 1 and "بیش از حد طولانی" in page
    assert "اداره جادو" in page and "انقلاب" in page  # nothing typed is lost
    assert feedback_session.scalar(select(MissingCodeReport)) is None


def test_the_form_is_rate_limited_per_address(feedback_client):
    statuses = [_post(feedback_client, office_name="").status_code for _ in range(11)]
    assert statuses[:10] == [422] * 10 and statuses[10] == 429
