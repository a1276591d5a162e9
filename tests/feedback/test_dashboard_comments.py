"""Citizens' comments reach the scopes that may act on them, masked, filtered and exported; never
anyone outside the scope, never a signed-out visitor or a public page."""

from __future__ import annotations

import io

import html5lib
import pytest
from openpyxl import load_workbook

from core.dates import utcnow
from feedback.dashboards.comments import mask_personal
from feedback.survey.services import submit_response
from tests.feedback.agency_helpers import seed_hierarchy
from tests.feedback.dashboard_helpers import viewer_client
from tests.feedback.helpers import code_of
from tests.feedback.survey_helpers import submission

ITO_COMMENT = "کارمند خیلی خوب راهنمایی کرد؛ شماره من ۰۹۱۲۱۲۳۴۵۶۷ و ایمیلم ali@example.com است"
SSO_COMMENT = "دو ساعت منتظر ماندم. کد ملی 0012345679"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("تماس: ۰۹۱۲۱۲۳۴۵۶۷", "تماس: ***"),
        ("call +98 912 123 4567 please", "call *** please"),
        ("کد ملی ۰۰۱-۲۳۴۵۶۷-۹", "کد ملی ***"),
        ("mail a.b+c@mail.gov.ir now", "mail *** now"),
        ("٠٩١٢١٢٣٤٥٦٧", "***"),  # Arabic-Indic digits
        ("اتاق ۱۲ طبقه ۳ سال ۱۴۰۳", "اتاق ۱۲ طبقه ۳ سال ۱۴۰۳"),  # short numbers stay
    ],
)
def test_personal_data_is_masked(text, masked):
    assert mask_personal(text) == masked


def _comments(session, tmp_path) -> None:
    seed_hierarchy(session, tmp_path)
    now = utcnow()
    submit_response(
        session, submission(code_of(session, "E000001"), "c1", answers=(5, 5, 4, 5), comment=ITO_COMMENT), now
    )
    submit_response(
        session, submission(code_of(session, "E000004"), "c2", answers=(1, 2, 1, 1), comment=SSO_COMMENT), now
    )
    submit_response(
        session, submission(code_of(session, "E000002"), "c3", answers=(3, 3, 3, 3)), now
    )  # no comment


def test_an_agency_sees_its_comments_masked_and_no_other_agencys(feedback_app, feedback_session, tmp_path):
    _comments(feedback_session, tmp_path)
    ito = viewer_client(feedback_app, feedback_session, "agency:ITO")
    page = ito.get("/dashboard/comments").get_data(as_text=True)
    html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(page)
    assert "خیلی خوب راهنمایی کرد" in page
    assert "۰۹۱۲۱۲۳۴۵۶۷" not in page and "ali@example.com" not in page and "***" in page
    assert "منتظر ماندم" not in page
    assert ito.get("/dashboard/comments?scope=agency:SSO").status_code == 404

    ministry = viewer_client(feedback_app, feedback_session, "agency:MICT")  # ITO's ministry
    assert "خیلی خوب راهنمایی کرد" in ministry.get("/dashboard/comments").get_data(as_text=True)
    sso = viewer_client(feedback_app, feedback_session, "agency:SSO")
    page = sso.get("/dashboard/comments").get_data(as_text=True)
    assert "منتظر ماندم" in page and "0012345679" not in page and "خیلی خوب" not in page


def test_the_nation_filters_by_score_and_province_and_a_unit_head_sees_the_desk(
    feedback_app, feedback_session, tmp_path
):
    _comments(feedback_session, tmp_path)
    nation = viewer_client(feedback_app, feedback_session, "nation")
    both = nation.get("/dashboard/comments").get_data(as_text=True)
    assert "خیلی خوب" in both and "منتظر ماندم" in both
    low = nation.get("/dashboard/comments?score=low").get_data(as_text=True)
    assert "منتظر ماندم" in low and "خیلی خوب" not in low
    markazi = nation.get("/dashboard/comments?province=IR-00").get_data(as_text=True)
    assert "منتظر ماندم" not in markazi and "نظری نیست" in markazi
    assert "ع. رضایی 1" not in both  # the desk's name: only for its unit's head
    head = viewer_client(feedback_app, feedback_session, "unit:ITO/اداره فناوری")
    page = head.get("/dashboard/comments").get_data(as_text=True)
    assert "خیلی خوب" in page and "ع. رضایی 1" in page and "منتظر ماندم" not in page


def test_comments_are_exported_masked_and_kept_from_signed_out_visitors(
    feedback_app, feedback_session, tmp_path
):
    _comments(feedback_session, tmp_path)
    nation = viewer_client(feedback_app, feedback_session, "nation")
    csv_text = nation.get("/dashboard/comments.csv?score=low").get_data().decode("utf-8-sig")
    assert "منتظر ماندم" in csv_text and "0012345679" not in csv_text and "خیلی خوب" not in csv_text
    book = load_workbook(io.BytesIO(nation.get("/dashboard/comments.xlsx").get_data()))
    cells = [str(c.value) for row in book.active.iter_rows() for c in row]
    assert any("خیلی خوب" in c for c in cells) and not any("ali@example.com" in c for c in cells)
    anonymous = feedback_app.test_client()
    assert anonymous.get("/dashboard/comments").status_code == 302
    assert anonymous.get("/dashboard/comments.csv").status_code == 401
    assert "منتظر" not in anonymous.get("/transparency").get_data(as_text=True)
