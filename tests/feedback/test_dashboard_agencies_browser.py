"""In Chromium: the national account finds agencies ranked and drills from a ministry to one of its
provincial offices to a unit; an answer sent through the survey page moves the open national
dashboard (its figures, the time of the last answer and the league table) without a reload."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from core.actors import SYSTEM
from core.db import make_sessionmaker
from feedback.accounts.services import create_viewer
from feedback.survey.questions import seed_questions
from tests.feedback.agency_helpers import ITO_UNIT, seed_hierarchy
from tests.feedback.dashboard_helpers import PASSWORD
from tests.feedback.helpers import code_of

pytestmark = pytest.mark.browser

EMAIL = "president@office.example.ir"
MICT_NAME = "وزارت ارتباطات و فناوری اطلاعات"


def _world(committed_feedback, tmp_path) -> str:
    """The hierarchy's desks and answers, the questions, the national account; a silent desk's token."""
    with make_sessionmaker(committed_feedback)() as session:
        seed_hierarchy(session, tmp_path)
        seed_questions(session)
        create_viewer(session, SYSTEM, EMAIL, PASSWORD, "nation")
        token = code_of(session, "E000005").token  # ITO, Tehran: never answered yet
        session.commit()
    return token


def _sign_in(page, url: str) -> None:
    page.goto(url + "/dashboard")
    page.wait_for_url("**/sign-in**")
    page.fill("#email", EMAIL)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/dashboard")


def _league_codes(page) -> list[str]:
    return page.locator("#league tbody tr").evaluate_all("rows => rows.map(r => r.dataset.agency)")


def test_the_nation_ranks_agencies_and_drills_from_a_ministry_to_an_office_to_a_unit(
    page, live_feedback, committed_feedback, tmp_path
):
    _world(committed_feedback, tmp_path)
    _sign_in(page, live_feedback.url)
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert _league_codes(page)[:4] == ["ITO", "MICT", "SSO", "MCLS"]  # by score, highest first

    page.locator("#league thead").get_by_role("link", name="پاسخ‌ها").click()  # sort by answers
    page.wait_for_url("**sort=count**")
    assert page.locator('#league th[aria-sort="descending"]').inner_text().startswith("پاسخ")
    assert _league_codes(page)[:2] == ["MICT", "ITO"]  # 13 answers, then 11

    page.locator("#league").get_by_role("link", name=MICT_NAME).click()
    page.wait_for_url("**scope=agency%3AMICT**")
    assert page.locator("h1").inner_text() == MICT_NAME
    assert page.locator('[data-live="count"]').inner_text() == "۱۳"  # with its organization ITO

    page.get_by_role("table", name="ادارات کل استانی").get_by_role("link", name="تهران").click()
    page.wait_for_url("**scope=office%3AMICT/IR-23**")
    assert page.locator("h1").inner_text() == f"{MICT_NAME} – تهران"
    assert page.locator('[data-live="count"]').inner_text() == "۱۱"

    page.locator("#rankings").get_by_role("link", name=ITO_UNIT, exact=False).first.click()
    page.wait_for_url("**scope=unit%3AITO/**")
    assert ITO_UNIT in page.locator("h1").inner_text()


def test_an_answer_sent_through_the_survey_appears_on_the_open_national_dashboard(
    browser, page, live_feedback, committed_feedback, tmp_path
):
    token = _world(committed_feedback, tmp_path)
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    _sign_in(page, live_feedback.url)
    assert page.locator('[data-live="count"]').inner_text() == "۱۸"
    assert page.locator('[data-live="last"]').inner_text() == "—"  # rollups seeded, no answer rows yet
    ito = page.locator('#league tr[data-agency="ITO"] td[data-col="count"]')
    assert ito.inner_text() == "۱۱"

    citizen = browser.new_context(locale="fa-IR")
    phone = citizen.new_page()
    phone.goto(f"{live_feedback.url}/e/{token}")
    for n in range(1, 5):
        phone.check(f"input[name=q{n}][value='5']")
    phone.click("button[type=submit]")
    phone.wait_for_url("**/thanks")
    citizen.close()

    expect(page.locator('[data-live="count"]')).to_have_text("۱۹", timeout=6_000)
    expect(page.locator('[data-live="last"]')).not_to_have_text("—")
    assert "۱۴۰" in page.locator('[data-live="last"]').inner_text()  # a Jalali date and time
    expect(page.locator('#league tr[data-agency="ITO"] td[data-col="count"]')).to_have_text(
        "۱۲", timeout=6_000
    )
    assert errors == []


def test_a_comment_reaches_its_agency_and_not_another(browser, live_feedback, committed_feedback, tmp_path):
    """A citizen's comment, sent through the survey page, is read (masked) by the desk's agency on its
    comments page, reached from the menu; another agency's account never sees it."""
    token = _world(committed_feedback, tmp_path)
    with make_sessionmaker(committed_feedback)() as session:
        create_viewer(session, SYSTEM, "ito@office.example.ir", PASSWORD, "agency:ITO")
        create_viewer(session, SYSTEM, "sso@office.example.ir", PASSWORD, "agency:SSO")
    citizen = browser.new_context(locale="fa-IR")
    phone = citizen.new_page()
    phone.goto(f"{live_feedback.url}/e/{token}")
    for n in range(1, 5):
        phone.check(f"input[name=q{n}][value='2']")
    phone.fill("#comment", "صف طولانی بود؛ با من تماس بگیرید ۰۹۱۲۱۲۳۴۵۶۷")
    phone.click("button[type=submit]")
    phone.wait_for_url("**/thanks")
    citizen.close()

    seen = {}
    for email in ("ito@office.example.ir", "sso@office.example.ir"):
        context = browser.new_context(locale="fa-IR")
        page = context.new_page()
        page.goto(live_feedback.url + "/sign-in")
        page.fill("#email", email)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/dashboard")
        page.get_by_role("link", name="نظرها").click()
        page.wait_for_url("**/dashboard/comments")
        seen[email] = page.locator("#comments tbody").inner_text()
        context.close()
    assert "صف طولانی بود" in seen["ito@office.example.ir"]
    assert "۰۹۱۲۱۲۳۴۵۶۷" not in seen["ito@office.example.ir"] and "***" in seen["ito@office.example.ir"]
    assert "صف طولانی بود" not in seen["sso@office.example.ir"]
