"""An open dashboard in real Chromium picks up new responses within about two seconds."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from core.actors import SYSTEM
from core.db import make_sessionmaker
from feedback.accounts.services import create_viewer
from tests.feedback.dashboard_helpers import PASSWORD, add_responses

pytestmark = pytest.mark.browser


def test_new_responses_appear_on_an_open_dashboard(page, live_feedback, committed_feedback):
    factory = make_sessionmaker(committed_feedback)
    with factory() as session:
        create_viewer(session, SYSTEM, "president@office.example.ir", PASSWORD, "nation")
        add_responses(session, 1, (4, 4, 4, 4), 5)
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto(live_feedback.url + "/dashboard")
    page.wait_for_url("**/sign-in**")
    page.fill("#email", "president@office.example.ir")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/dashboard")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator('[data-live="count"]').inner_text() == "۵"
    assert page.locator("svg path.province").count() == 31
    assert page.locator("#trend").bounding_box()["height"] > 50  # chart.js drew the trend

    with factory() as session:
        add_responses(session, 2, (1, 1, 1, 1), 3, province="IR-00", county="0001")
    expect(page.locator('[data-live="count"]')).to_have_text("۸", timeout=4_000)
    # 5×4 + 3×1 over 8 → mean 2.875 → 46.9
    assert page.locator('[data-live="score"]').inner_text() in {"۴۶٫۹", "۴۶.۹"}
    assert errors == []
