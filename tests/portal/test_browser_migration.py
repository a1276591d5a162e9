"""The run page in a real browser: the progress bar and step log follow the run as a worker advances it."""

from __future__ import annotations

import threading

import pytest
from playwright.sync_api import expect

from core.actors import SYSTEM, Role
from core.db import make_sessionmaker
from onboarding.backends.gitops import GitOpsBackend
from onboarding.runs.engine import advance_run
from onboarding.runs.services import start_run
from portal.accounts import services as accounts
from tests.fixtures.onboarding import make_world

pytestmark = pytest.mark.browser


def test_the_run_page_shows_live_progress(page, live_portal, committed_platform, tmp_path):
    factory = make_sessionmaker(committed_platform)
    with factory() as session:
        world = make_world(session)
        accounts.create_user(
            session,
            SYSTEM,
            email="it@aro.ir",
            name="فناوری",
            role=Role.agency_member,
            agency_id=world.a.id,
            password="a-long-password",
        )
        run_id = start_run(session, world.admin_a, world.workload().id).id

    page.goto(live_portal.url + f"/migration/runs/{run_id}")
    page.get_by_label("رایانامه").fill("it@aro.ir")
    page.get_by_label("گذرواژه").fill("a-long-password")
    page.get_by_role("button", name="ورود").click()
    page.wait_for_url(f"**/migration/runs/{run_id}")
    assert page.locator("#run-progress").get_attribute("value") == "0"

    def worker() -> None:
        with factory() as session:
            advance_run(session, run_id, GitOpsBackend(tmp_path))

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join(60)

    expect(page.locator("#run-status")).to_have_text("موفق", timeout=15000)
    assert page.locator("#run-progress").evaluate("element => element.value") == 100
    assert "runs in t-aro" in page.locator("#run-log").inner_text()
    assert page.locator("#run-progress-text").inner_text() == "۱۰۰٪"
    assert page.locator('[data-step="retire_legacy"] .step-status').inner_text() == "موفق"
