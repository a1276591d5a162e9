import pytest

from catalog.models import Agency, AgencyKind
from core.actors import SYSTEM, Role
from core.db import make_sessionmaker
from portal.accounts import services as accounts

pytestmark = pytest.mark.browser


def test_a_member_registers_a_service_fixes_an_error_and_finds_it(page, live_portal, committed_platform):
    with make_sessionmaker(committed_platform)() as session:
        agency = Agency(
            code="BRW", name_fa="سازمان آزمون مرورگر", name_en="Browser test", kind=AgencyKind.organization
        )
        session.add(agency)
        session.commit()
        accounts.create_user(
            session,
            SYSTEM,
            email="member@brw.gov.ir",
            name="کارشناس",
            role=Role.agency_member,
            agency_id=agency.id,
            password="a-long-password",
        )
    page.goto(live_portal.url + "/services/new")
    page.get_by_label("رایانامه").fill("member@brw.gov.ir")
    page.get_by_label("گذرواژه").fill("a-long-password")
    page.get_by_role("button", name="ورود").click()
    page.wait_for_url("**/services/new")
    assert page.locator("html").get_attribute("dir") == "rtl"

    page.get_by_label("دستگاه").select_option(label="سازمان آزمون مرورگر")
    page.get_by_label("کد", exact=True).fill("e-permit")
    page.get_by_label("نام فارسی").fill("صدور پروانه الکترونیکی")
    page.get_by_label("وب").check()
    page.get_by_label("تماماً الکترونیکی از ابتدا تا انتها").check()
    page.get_by_label("نشانی عمومی").fill("not-a-url")
    page.get_by_role("button", name="ذخیره").click()
    alert = page.get_by_role("alert")
    assert "نشانی عمومی" in alert.inner_text() and "http://" in alert.inner_text()
    assert page.get_by_label("نام فارسی").input_value() == "صدور پروانه الکترونیکی"  # nothing typed is lost

    page.get_by_label("نشانی عمومی").fill("https://permit.brw.gov.ir")
    page.get_by_role("button", name="ذخیره").click()
    assert page.get_by_role("heading", level=1).inner_text() == "صدور پروانه الکترونیکی"

    page.goto(live_portal.url + "/services?q=پروانه")
    assert page.get_by_role("link", name="صدور پروانه الکترونیکی").is_visible()
    assert "۱ خدمت پیدا شد" in page.content()
