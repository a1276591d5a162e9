"""The registry admin's upload page in real headless Chromium, against the real feedback worker."""

from __future__ import annotations

import pytest

from tests.feedback.helpers import employee_row, write_csv
from tests.fixtures.feedback import ADMIN_EMAIL, ADMIN_PASSWORD, create_admin

pytestmark = pytest.mark.browser


def test_upload_shows_progress_until_the_summary(
    page, live_feedback, committed_feedback, feedback_worker, tmp_path
):
    create_admin(committed_feedback)
    rows = [employee_row(n) for n in range(1, 2001)] + [employee_row(5000, province="آتلانتیس")]
    path = write_csv(tmp_path / "کارکنان.csv", rows)
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)

    page.goto(live_feedback.url + "/admin/import")
    page.wait_for_url("**/sign-in**")
    assert page.locator("html").get_attribute("dir") == "rtl"
    page.fill("#email", ADMIN_EMAIL)
    page.fill("#password", ADMIN_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/import")
    page.set_input_files("#file", str(path))
    page.click("main button[type=submit]")
    page.wait_for_url("**/admin/jobs/*")
    page.wait_for_selector("#job[data-status=done]", timeout=60_000)
    assert page.locator("#job-progress").get_attribute("value") == "100"
    assert page.locator("#job-summary").inner_text() == "imported 2000, updated 0, unchanged 0, rejected 1"
    assert page.locator("#job-rejects").is_visible()
    assert errors == []
