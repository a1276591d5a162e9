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
    # the chart's text alternative follows the chart: today's row of its table counts 8 too
    assert page.locator("#trend-figures tr").last.locator("td").last.text_content() == "۸"
    assert errors == []


def test_the_province_map_has_a_legend_and_named_links_reached_by_keyboard(
    page, live_feedback, committed_feedback
):
    with make_sessionmaker(committed_feedback)() as session:
        create_viewer(session, SYSTEM, "president@office.example.ir", PASSWORD, "nation")
        add_responses(session, 1, (4, 4, 4, 4), 5)  # province IR-23: score 75
    page.goto(live_feedback.url + "/sign-in?lang=en")
    page.fill("#email", "president@office.example.ir")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/dashboard")

    legend = page.get_by_role("list", name="Legend")
    assert legend.get_by_role("listitem").all_inner_texts() == [
        "score 80 to 100",
        "score 60 to 80",
        "score 40 to 60",
        "score 20 to 40",
        "score 0 to 20",
        "not enough responses yet",
    ]
    map_links = page.get_by_role("group", name="Map of provinces by score").get_by_role("link")
    assert map_links.count() == 31
    tehran = page.get_by_role("link", name="Tehran: 75.0")
    assert tehran.count() == 1
    assert page.get_by_role("link", name="Qom: not enough responses yet").count() == 1

    for _ in range(300):  # Tab from the top of the page (past the agencies' league) to a province
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.closest('svg') !== null"):
            break
    focused = page.evaluate("document.activeElement.getAttribute('aria-label')")
    assert focused and ": " in focused, focused
    page.keyboard.press("Enter")
    page.wait_for_url("**scope=province:*")
