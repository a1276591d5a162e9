"""The first tenant in real headless Chromium: from the home page to its page and back, in both
languages, and the home page of an ARAO member who signs in."""

from __future__ import annotations

import pytest

from core.actors import SYSTEM, Role
from core.db import make_sessionmaker
from portal.accounts import services as accounts
from tests.portal.first_tenant import seed_first_tenant

pytestmark = pytest.mark.browser


def test_a_visitor_finds_the_first_tenant_and_an_arao_member_sees_the_agency_joined(
    page, live_portal, committed_platform, tmp_path
):
    with make_sessionmaker(committed_platform)() as session:
        agencies = seed_first_tenant(session, tmp_path)
        accounts.create_user(
            session,
            SYSTEM,
            email="it@arao.gov.ir",
            name="کارشناس",
            role=Role.agency_member,
            agency_id=agencies["ARAO"].id,
            password="a-long-password",
        )
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto(live_portal.url + "/")
    tenant = page.locator("#tenants li[data-tenant=employee-feedback]")
    assert "نخستین مستأجر" in tenant.inner_text() and "روی ابر" in tenant.inner_text()
    tenant.get_by_role("link", name="سامانه بازخورد کارکنان دولت").click()
    page.wait_for_url("**/tenants/employee-feedback")
    assert page.locator("#tenant-state").inner_text() == "روی ابر"
    assert page.locator("#public-url").get_attribute("href") == "https://feedback.cloud.gov.ir"
    assert page.locator("html").get_attribute("dir") == "rtl"
    page.get_by_role("link", name="English").click()
    page.wait_for_url("**lang=en")
    assert page.locator("#tenant-state").inner_text() == "on the cloud"
    assert "medium: 16 CPU and 32Gi memory" in page.locator("#landing-zone").inner_text()

    page.goto(live_portal.url + "/?lang=fa")
    page.locator("#sign-in-invitation").get_by_role("link", name="ورود").click()
    page.get_by_label("رایانامه").fill("it@arao.gov.ir")
    page.get_by_label("گذرواژه").fill("a-long-password")
    page.get_by_role("button", name="ورود").click()
    page.goto(live_portal.url + "/")
    assert page.locator("#sign-in-invitation").count() == 0
    joined = page.locator("#own-compliance tr[data-metric=joined_cloud] .badge")
    assert "st-met" in joined.get_attribute("class")
    assert page.locator("#your-areas a").count() == 5
    assert errors == []
