"""The compliance dashboard and agency page in real headless Chromium: charts drawn under the CSP."""

import datetime as dt

import pytest

from catalog.models import AgencyKind
from core.actors import SYSTEM, Role
from core.db import make_sessionmaker
from onboarding.compliance import services
from portal.accounts import services as accounts
from tests.onboarding.compliance import factories as f
from workers.tasks.compliance import today

pytestmark = pytest.mark.browser


def test_overseer_filters_the_matrix_and_opens_an_agency(page, live_portal, committed_platform):
    with make_sessionmaker(committed_platform)() as session:
        accounts.create_user(
            session,
            SYSTEM,
            email="overseer@ict.gov.ir",
            name="ناظر",
            role=Role.overseer,
            agency_id=None,
            password="a-long-password",
        )
        good = f.agency(session, AgencyKind.organization, name="سازمان پیشرو")
        late = f.agency(session, AgencyKind.organization, name="سازمان عقب‌مانده")
        f.services(session, good, [3, 4])
        f.services(session, late, [1, 3])
        program = f.program(session)
        f.milestone(session, program, "electronic", 1.0, today() + dt.timedelta(days=20))
        services.take_snapshot(session, SYSTEM, today() - dt.timedelta(days=1))
        services.take_snapshot(session, SYSTEM, today())
        program_id = program.id
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda m: (
            errors.append(m.text)
            if m.type == "error" and "favicon" not in m.location.get("url", "")
            else None
        ),
    )
    page.goto(f"{live_portal.url}/programs/{program_id}/dashboard")
    page.get_by_label("رایانامه").fill("overseer@ict.gov.ir")
    page.get_by_label("گذرواژه").fill("a-long-password")
    page.get_by_role("button", name="ورود").click()
    page.wait_for_url(f"**/programs/{program_id}/dashboard")
    page.wait_for_selector("#summary-chart[data-drawn=yes]")
    assert page.locator("td.st-met").count() == 1 and page.locator("td.st-at_risk").count() == 1
    page.get_by_label("وضعیت", exact=True).select_option("at_risk")
    page.get_by_role("button", name="پالایش").click()
    page.wait_for_url("**status=at_risk**")
    assert page.locator("#matrix tbody tr").count() == 1
    page.get_by_role("link", name="سازمان عقب‌مانده").click()
    page.wait_for_selector("canvas[data-chart-kind=trend][data-drawn=yes]")
    assert page.get_by_text("بلوغ ۱ ← ۳").is_visible()
    assert errors == []  # no CSP violation, no script error
