import pytest

from catalog.seed import seed_reference_agencies
from core.db import make_sessionmaker

pytestmark = pytest.mark.browser


def test_home_renders_rtl_in_vazirmatn_and_switches_to_english(page, live_portal, committed_platform):
    with make_sessionmaker(committed_platform)() as session:
        seed_reference_agencies(session)
    page.goto(live_portal.url + "/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    # Not wait_for_function: its string predicate is evaluated with eval, which the page's CSP refuses.
    assert (
        page.evaluate("async () => { await document.fonts.ready; return document.fonts.status; }") == "loaded"
    )
    assert page.evaluate("document.fonts.check('16px Vazirmatn')")
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    assert "ابر دولت" in page.title()
    page.get_by_role("link", name="English").click()
    page.wait_for_url("**lang=en")
    assert page.locator("html").get_attribute("dir") == "ltr"
    assert page.get_by_role("heading", level=1).inner_text() == "Government Cloud onboarding platform"
