"""Flagged answers reviewed above the unit: confirmed as misuse (they stay out) or released back into
the figures, with who and why kept; another scope's answers are not found; a release that would
count a device twice for a desk on one day is refused."""

from __future__ import annotations

import dataclasses

from sqlalchemy import select

from core.dates import utcnow
from feedback.dashboards.models import ResponseReview
from feedback.survey.models import COUNTED, FLAGGED, Response
from feedback.survey.services import submit_response
from tests.feedback.agency_helpers import seed_hierarchy
from tests.feedback.dashboard_helpers import viewer_client
from tests.feedback.helpers import code_of
from tests.feedback.survey_helpers import submission
from tests.fixtures.feedback import csrf_token


def _flag(session, employment_code: str, device: str, comment: str | None = None) -> int:
    sent = dataclasses.replace(
        submission(code_of(session, employment_code), device, answers=(4, 4, 4, 4), comment=comment),
        review="same_ip",
    )
    return submit_response(session, sent, utcnow()).response_id


def _review(client, response_id: int, outcome: str, reason: str):
    token = csrf_token(client.get("/dashboard/flagged").get_data(as_text=True))
    return client.post(
        f"/dashboard/flagged/{response_id}/review",
        data={"csrf_token": token, "outcome": outcome, "reason": reason},
    )


def test_an_agency_releases_a_flagged_answer_back_into_its_figures(feedback_app, feedback_session, tmp_path):
    seed_hierarchy(feedback_session, tmp_path)
    ito_flagged = _flag(feedback_session, "E000001", "f1", comment="شماره من ۰۹۱۲۱۲۳۴۵۶۷")
    sso_flagged = _flag(feedback_session, "E000004", "f2")
    ito = viewer_client(feedback_app, feedback_session, "agency:ITO")
    page = ito.get("/dashboard/flagged").get_data(as_text=True)
    assert f'data-response="{ito_flagged}"' in page and f'data-response="{sso_flagged}"' not in page
    assert "۰۹۱۲۱۲۳۴۵۶۷" not in page and "***" in page
    assert ito.get("/dashboard/live.json").get_json()["count"] == 11

    assert _review(ito, ito_flagged, "released", "").status_code == 302  # no reason: nothing changes
    assert feedback_session.get(Response, ito_flagged).status == FLAGGED
    assert _review(ito, ito_flagged, "released", "همکار با وای‌فای اداره پاسخ داده بود").status_code == 302
    feedback_session.expire_all()
    assert feedback_session.get(Response, ito_flagged).status == COUNTED
    assert ito.get("/dashboard/live.json").get_json()["count"] == 12  # counted again, in the rollups
    review = feedback_session.scalar(select(ResponseReview).where(ResponseReview.response_id == ito_flagged))
    assert review.outcome == "released" and review.reviewer == ito.account.email and "وای‌فای" in review.reason
    page = ito.get("/dashboard/flagged").get_data(as_text=True)
    assert "به آمار برگشت" in page and ito.account.email in page

    assert _review(ito, sso_flagged, "misuse", "نه مال ما").status_code == 404  # another agency's
    assert _review(ito, ito_flagged, "misuse", "دوباره").status_code == 302  # decided once only
    feedback_session.expire_all()
    assert feedback_session.get(Response, ito_flagged).status == COUNTED


def test_the_nation_confirms_misuse_and_a_unit_head_reviews_nothing(feedback_app, feedback_session, tmp_path):
    seed_hierarchy(feedback_session, tmp_path)
    flagged = _flag(feedback_session, "E000004", "f3")
    nation = viewer_client(feedback_app, feedback_session, "nation")
    assert _review(nation, flagged, "misuse", "ده پاسخ از یک نشانی در یک دقیقه").status_code == 302
    feedback_session.expire_all()
    assert feedback_session.get(Response, flagged).status == FLAGGED
    assert nation.get("/dashboard/live.json").get_json()["count"] == 18  # still out of the figures
    head = viewer_client(feedback_app, feedback_session, "unit:SSO/اداره مالی")
    assert head.get("/dashboard/flagged").status_code == 403


def test_a_release_never_counts_a_device_twice_for_a_desk_on_one_day(
    feedback_app, feedback_session, tmp_path
):
    seed_hierarchy(feedback_session, tmp_path)
    submit_response(
        feedback_session, submission(code_of(feedback_session, "E000002"), "same-phone"), utcnow()
    )
    flagged = _flag(feedback_session, "E000002", "same-phone")
    ministry = viewer_client(feedback_app, feedback_session, "agency:MICT")
    answer = _review(ministry, flagged, "released", "به نظر درست است")
    assert answer.status_code == 302
    feedback_session.expire_all()
    assert feedback_session.get(Response, flagged).status == FLAGGED
    assert (
        feedback_session.scalar(select(ResponseReview).where(ResponseReview.response_id == flagged)) is None
    )
    assert "پاسخ دیگری از همان دستگاه" in ministry.get("/dashboard/flagged").get_data(as_text=True)
