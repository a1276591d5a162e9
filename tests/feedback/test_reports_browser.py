"""The missing-code report form in a real headless Chromium, on a phone-sized screen."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from core.db import make_sessionmaker
from feedback.reports.models import MissingCodeReport
from tests.fixtures.web import LiveServer

pytestmark = pytest.mark.browser


@pytest.fixture
def live_feedback(settings, committed_feedback) -> Iterator[LiveServer]:
    """The feedback service over real HTTP with real commits (tables emptied afterwards)."""
    from feedback.web.app import create_app

    with LiveServer(create_app(settings)) as server:
        yield server


def test_a_citizen_reports_a_desk_from_a_phone_and_sees_the_tracking_number(
    page, live_feedback, committed_feedback
):
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if "Refused" in m.text else None)  # CSP
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(live_feedback.url + "/report-missing-code")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scrolling

    page.get_by_label("دستگاه اجرایی").fill("سازمان ثبت احوال کشور")
    page.get_by_label("استان").select_option(label="اصفهان")
    page.get_by_label("نام اداره یا شعبه").fill("اداره ثبت احوال منطقه ۲")
    page.get_by_role("button", name="ارسال گزارش").click()
    page.wait_for_load_state()
    # The address was forgotten: the form says so, and keeps what was typed.
    assert page.get_by_text("این فیلد لازم است.").is_visible()
    assert page.get_by_label("نام اداره یا شعبه").input_value() == "اداره ثبت احوال منطقه ۲"

    page.get_by_label("نشانی اداره").fill("اصفهان، خیابان چهارباغ")
    page.get_by_role("button", name="ارسال گزارش").click()
    page.wait_for_url("**/report-missing-code/*?new=1")
    shown = page.locator("#tracking-number").inner_text()
    with make_sessionmaker(committed_feedback)() as session:
        report = session.scalar(select(MissingCodeReport))
    assert shown == report.tracking_number.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    assert (report.agency_code, report.province_code, report.channel) == ("NOCR", "IR-10", "web")
    assert page.locator("#report-status").inner_text() == "باز"
    assert problems == []  # nothing refused by the content security policy
