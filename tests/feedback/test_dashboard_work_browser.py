"""In Chromium, what dashboard accounts act on: an alert subscribed on the page, raised, e-mailed to a
real local SMTP server and sent through the Bale outbox to the local Bot API stand-in, then
acknowledged on the page; a report whose citizen sent a photo through Bale shows it."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from core.actors import SYSTEM
from core.db import make_sessionmaker
from feedback.accounts.services import create_viewer, set_bale_chat
from feedback.dashboards.alerts import evaluate_alerts, notify_alerts
from feedback.jobs.files import job_files
from feedback.reports import outbox
from feedback.reports.photos import fetch_photos
from tests.feedback import bale_helpers as bh
from tests.feedback.agency_helpers import seed_hierarchy
from tests.feedback.dashboard_helpers import PASSWORD, add_bale_report

pytestmark = pytest.mark.browser

EMAIL = "mict@office.example.ir"
CHAT = 818181
BASE = "https://feedback.example.ir"


def _sign_in(page, url: str, then: str) -> None:
    page.goto(url + then)
    page.wait_for_url("**/sign-in**")
    page.fill("#email", EMAIL)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**{then}")


def test_an_alert_is_emailed_sent_to_bale_and_acknowledged(
    page, live_feedback, committed_feedback, tmp_path, smtp_server
):
    factory = make_sessionmaker(committed_feedback)
    with factory() as session:
        seed_hierarchy(session, tmp_path)  # the ministry with its organization ITO: 65.4
        create_viewer(session, SYSTEM, EMAIL, PASSWORD, "agency:MICT")
        set_bale_chat(session, SYSTEM, EMAIL, CHAT)
    _sign_in(page, live_feedback.url, "/dashboard/alerts")
    page.select_option("select[name=kind]", "low_score")
    page.fill("input[name=threshold]", "70")
    page.select_option("select[name=window_days]", "7")
    page.get_by_role("button", name="ثبت اشتراک").click()
    expect(page.get_by_role("status")).to_contain_text("اشتراک ثبت شد")

    with factory() as session:  # the worker's two steps, as its task runs them
        assert evaluate_alerts(session, SYSTEM, 5) == 1
        queued = notify_alerts(session, SYSTEM, smtp_server.url, "no-reply@feedback.example.ir", BASE)
        with bh.BotApiStandIn() as stand_in:
            assert outbox.deliver(session, queued, outbox.BotApi(stand_in.url, "1:t")).sent == 1
            sent = stand_in.calls[0]["body"]
    assert [m.recipients for m in smtp_server.received] == [[EMAIL]]
    assert "65.4" in smtp_server.received[0].message.get_content()
    assert sent["chat_id"] == CHAT and "65.4" in sent["text"]

    page.reload()
    row = page.locator("#alerts tbody tr").first
    expect(row).to_contain_text("۶۵٫۴")
    row.get_by_placeholder("یادداشت").fill("با مدیر کل استان گفتگو شد")
    row.get_by_role("button", name="دیدم").click()
    expect(page.locator("#alerts tbody tr").first.locator(".acknowledged")).to_contain_text(
        "با مدیر کل استان گفتگو شد"
    )


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buffer, "JPEG")
    return buffer.getvalue()


def test_a_report_with_a_photo_shows_it(page, live_feedback, committed_feedback, settings):
    factory = make_sessionmaker(committed_feedback)
    with factory() as session:
        create_viewer(session, SYSTEM, EMAIL, PASSWORD, "agency:MICT")
        report = add_bale_report(session, photo_file_id="desk-photo")
        with bh.BotApiStandIn() as stand_in:
            stand_in.files["desk-photo"] = _jpeg()
            api = outbox.BotApi(stand_in.url, "1:t")
            assert fetch_photos(session, api, job_files(session, settings.var_path)) == 1
        report_id = report.id
    _sign_in(page, live_feedback.url, f"/dashboard/reports/{report_id}")
    photo = page.locator("#report-photo")
    expect(photo).to_be_visible()
    assert photo.evaluate("img => img.complete && img.naturalWidth") == 64
    expect(page.locator(".report-location")).to_have_count(1)
