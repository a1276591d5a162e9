"""The home page per role and the first tenant's page, over the portal with real PostgreSQL."""

from __future__ import annotations

import pytest

from core.actors import Role
from tests.fixtures.web import parse_html
from tests.portal.first_tenant import seed_first_tenant


@pytest.fixture
def first_tenant(db_session, tmp_path):
    return seed_first_tenant(db_session, tmp_path)


def _page(client, path: str):
    response = client.get(path)
    assert response.status_code == 200, path
    body = response.get_data(as_text=True)
    return body, parse_html(body)


def test_signed_out_visitors_see_what_the_platform_is_the_first_tenant_and_a_sign_in_link(
    client, first_tenant
):
    body, root = _page(client, "/")
    assert root.find(".//p[@id='sign-in-invitation']/a").get("href") == "/sign-in"
    assert root.find(".//section[@id='your-areas']") is None
    assert root.find(".//section[@id='own-compliance']") is None
    [tenant] = root.findall(".//ul[@class='tenant-list']/li")
    assert tenant.get("data-tenant") == "employee-feedback"
    assert "نخستین مستأجر" in body and "سامانه بازخورد کارکنان دولت" in body and "روی ابر" in body
    assert "۳۰ آبان ۱۴۰۳" in body  # the mandate table stays


def test_agency_people_see_their_areas_and_their_own_agencys_compliance(
    client, first_tenant, make_user, sign_in
):
    sign_in(client, make_user(Role.agency_member, first_tenant["ARAO"]))
    _body, root = _page(client, "/?lang=en")
    areas = [a.get("href") for a in root.findall(".//section[@id='your-areas']//a")]
    assert areas == ["/services", "/agencies", "/migration/", "/compliance", "/api/v1/docs"]
    summary = root.find(".//section[@id='own-compliance']")
    assert first_tenant["ARAO"].name_en in "".join(summary.find("h2").itertext())
    joined = summary.find(".//tr[@data-metric='joined_cloud']")
    assert joined is not None and joined.find("td/span").get("class") == "badge st-met"
    assert root.find(".//p[@id='sign-in-invitation']") is None


def test_another_agency_sees_its_own_figures_not_araos(client, first_tenant, make_user, sign_in):
    sign_in(client, make_user(Role.agency_admin, first_tenant["INTA"]))
    _body, root = _page(client, "/?lang=en")
    summary = root.find(".//section[@id='own-compliance']")
    assert first_tenant["INTA"].name_en in "".join(summary.find("h2").itertext())
    joined = summary.find(".//tr[@data-metric='joined_cloud']")
    assert joined is None or joined.find("td/span").get("class") != "badge st-met"


@pytest.mark.parametrize(("role", "programs"), [(Role.overseer, False), (Role.platform_admin, True)])
def test_overseers_and_admins_get_their_areas_without_an_agency_summary(
    client, first_tenant, make_user, sign_in, role, programs
):
    sign_in(client, make_user(role))
    _body, root = _page(client, "/")
    areas = [a.get("href") for a in root.findall(".//section[@id='your-areas']//a")]
    assert ("/programs" in areas) is programs
    assert root.find(".//section[@id='own-compliance']") is None


@pytest.mark.parametrize(
    ("lang", "words"),
    [("fa", ["روی ابر", "فضای استقرار", "موفق"]), ("en", ["on the cloud", "Landing zone", "succeeded"])],
)
def test_the_tenant_page_shows_its_run_landing_zone_and_public_address(client, first_tenant, lang, words):
    body, root = _page(client, f"/tenants/employee-feedback?lang={lang}")
    assert root.find(".//a[@id='public-url']").get("href") == "https://feedback.cloud.gov.ir"
    assert "t-arao" in body and "medium" in body
    assert "https://employee-feedback.t-arao.apps.cloud.gov.ir" in body
    steps = [li.get("data-step") for li in root.findall(".//ol[@class='run-steps']/li")]
    assert steps == ["landing_zone", "deploy", "wait_ready", "smoke_check", "cut_over", "retire_legacy"]
    state, zone, run_status = words
    assert root.find(".//span[@id='tenant-state']").text.strip() == state
    assert zone in body
    assert root.find(".//strong[@id='run-status']").text == run_status
    assert root.find(".//section[@id='tenant-run']//a") is None  # the run's log is not public


def test_the_run_link_is_for_the_tenants_agency_and_the_platform(client, first_tenant, make_user, sign_in):
    sign_in(client, make_user(Role.agency_member, first_tenant["ARAO"]))
    _body, root = _page(client, "/tenants/employee-feedback")
    link = root.find(".//section[@id='tenant-run']//a").get("href")
    assert client.get(link).status_code == 200
