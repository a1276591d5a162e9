import pytest

from core.actors import SYSTEM, Role
from core.db import make_sessionmaker
from portal.accounts import services as accounts

pytestmark = pytest.mark.browser


def test_sign_in_then_create_a_token_in_the_browser(page, live_portal, committed_platform):
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
    page.goto(live_portal.url + "/account/tokens")
    assert "/sign-in" in page.url  # signed-out visitors are sent to sign in, then back
    page.get_by_label("رایانامه").fill("overseer@ict.gov.ir")
    page.get_by_label("گذرواژه").fill("a-long-password")
    page.get_by_role("button", name="ورود").click()
    page.wait_for_url("**/account/tokens")
    page.get_by_label("نام توکن").fill("اسکریپت گزارش")
    page.get_by_role("button", name="ساخت توکن").click()
    token = page.locator("code.token").inner_text()
    assert token.startswith("gc_")
    assert page.get_by_role("cell", name="اسکریپت گزارش").is_visible()
