"""Issue 21's "done when", in a real browser: on a fresh database seeded with `--no-demo`, an operator
goes from an empty platform to a new agency with a sub-agency, the agency's admin, a registered tenant
service, a data center and a workload with two components edited in the form, a plan with a wave,
a run, and then finds each of those changes in the audit trail, which is also exported for a SIEM."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from playwright.sync_api import expect
from sqlalchemy import select

from catalog.models import Agency
from core.db import make_sessionmaker
from onboarding.inventory.models import Workload
from portal.cli import main
from tests.feedback.helpers import cli_env

pytestmark = pytest.mark.browser

OPERATOR = "operator@cloud.gov.ir"
PASSWORD = "a long operator passphrase 7"


def _submit(page, form: str) -> None:
    page.locator(f"{form} button[type=submit]").first.click()


def test_an_operator_builds_an_agency_to_a_run_and_the_audit_trail_shows_it(
    page, live_portal, committed_platform, settings
):
    runner = CliRunner()
    seeded = runner.invoke(main, ["seed", "--no-demo"], env=cli_env(settings))
    assert seeded.exit_code == 0, seeded.output
    created = runner.invoke(
        main,
        ["users", "create", OPERATOR, "--role", "platform_admin", "--password", PASSWORD],
        env=cli_env(settings),
    )
    assert created.exit_code == 0, created.output
    base = live_portal.url

    page.goto(base + "/sign-in")
    page.fill("#email", OPERATOR)
    page.fill("#password", PASSWORD)
    _submit(page, "form[method=post]:has(#password)")
    page.wait_for_url(base + "/")

    # a top-level agency, then a sub-agency under it
    page.goto(base + "/agencies/new")
    page.fill("#code", "NDA")
    page.fill("#name_fa", "سازمان داده‌های ملی")
    page.fill("#name_en", "National Data Agency")
    page.select_option("#kind", "organization")
    _submit(page, "form.card")
    expect(page.locator("h1")).to_contain_text("سازمان داده‌های ملی")
    page.get_by_role("link", name="افزودن زیرمجموعه").click()
    page.fill("#code", "NDA-EAST")
    page.fill("#name_fa", "دفتر شرق سازمان داده‌ها")
    page.select_option("#kind", "provincial_office")
    page.select_option("#province_code", "IR-09")
    _submit(page, "form.card")
    expect(page.locator("h1")).to_contain_text("دفتر شرق سازمان داده‌ها")
    expect(page.locator("main")).to_contain_text("سازمان داده‌های ملی")  # under its parent

    with make_sessionmaker(committed_platform)() as session:
        nda = session.scalars(select(Agency).where(Agency.code == "NDA")).one()
        assert [child.code for child in nda.children] == ["NDA-EAST"]

    # the agency's admin, whose first password is shown once
    page.goto(base + f"/agencies/{nda.id}/members")
    page.fill("#email", "admin@nda.gov.ir")
    page.fill("#name", "مدیر فناوری")
    page.select_option("#role", "agency_admin")
    _submit(page, "form[action$='/members']")
    expect(page.locator("table")).to_contain_text("admin@nda.gov.ir")

    # a data center, then a workload created in the structured form
    page.goto(base + "/migration/")
    page.fill("#dc-agency", "NDA")
    page.fill("#dc-name", "مرکز داده ساختمان مرکزی")
    _submit(page, "form[action$='/data-centers']")
    page.goto(base + "/migration/")
    page.locator("#add-workload").click()
    page.select_option("#w-agency", "NDA")
    _submit(page, "#workload-agency")
    page.fill("#w-name", "open-data")
    page.fill("#w-title", "درگاه داده‌های باز")
    page.fill("#components-0-name", "web")
    page.fill("#components-0-image", "registry.cloud.gov.ir/nda/web:1.0")
    page.fill("#components-0-ports", "8080")
    page.fill("#components-0-replicas", "2")
    page.fill("#components-0-secrets", "open-data-db")
    _submit(page, "#workload-edit")
    expect(page.locator("h1")).to_contain_text("open-data")

    # the second component, added in the same form
    page.get_by_role("link", name="ویرایش بار کاری و اجزای آن").click()
    page.fill("#components-1-name", "api")
    page.fill("#components-1-image", "registry.cloud.gov.ir/nda/api:1.0")
    page.fill("#components-1-ports", "9000")
    page.fill("#components-1-memory", "512Mi")
    page.fill("#components-1-env", "MODE=production")
    page.fill("#components-0-replicas", "3")
    _submit(page, "#workload-edit")
    expect(page.locator("h1")).to_contain_text("open-data")
    with make_sessionmaker(committed_platform)() as session:
        workload = session.scalars(select(Workload).where(Workload.name == "open-data")).one()
        assert [(c["name"], c["replicas"]) for c in workload.components] == [("web", 3), ("api", 1)]
        assert workload.components[1]["env"] == {"MODE": "production"}
        workload_id = workload.id

    # a tenant service registered for the agency, deployed as that workload
    page.goto(base + "/tenant-services")
    page.fill("#agency_code", "NDA")
    page.fill("#code", "open-data")
    page.fill("#name_fa", "داده‌های باز")
    page.fill("#public_url", "https://open-data.cloud.gov.ir")
    page.fill("#workload_name", "open-data")
    _submit(page, "form:has(#agency_code)")
    expect(page.locator("main")).to_contain_text("https://open-data.cloud.gov.ir")

    # a plan with a wave holding the workload, and a run
    page.goto(base + "/migration/")
    page.fill("#p-agency", "NDA")
    page.fill("#p-name", "طرح مهاجرت ۱۴۰۶")
    _submit(page, "form[action$='/plans']")
    expect(page.locator("h1")).to_contain_text("طرح مهاجرت ۱۴۰۶")
    page.fill("#wave-name", "موج نخست")
    _submit(page, "form[action$='/waves']")
    page.select_option("#s-workload", label="open-data")
    _submit(page, "form[action$='/entries']")
    expect(page.locator("main")).to_contain_text("open-data")
    page.goto(base + f"/migration/workloads/{workload_id}")
    _submit(page, "form[action$='/runs']")
    page.wait_for_url("**/migration/runs/*")

    # the audit trail: each change, searchable on the page and exported for a SIEM
    page.goto(base + "/audit?q=NDA")
    expect(page.locator("main")).to_contain_text("NDA-EAST")
    page.goto(base + "/audit?resource=workload")
    expect(page.locator("main")).to_contain_text("open-data")
    exported = page.request.get(base + "/audit/export.jsonl")
    assert exported.ok
    entries = [json.loads(line) for line in exported.text().splitlines()]
    seen = {(e["resource"], e["action"], e["label"]) for e in entries if e["actor"] == OPERATOR}
    labels = {(resource, action) for resource, action, _ in seen}
    assert {
        ("agency", "created"),
        ("account", "created"),
        ("data_center", "created"),
        ("workload", "created"),
        ("workload", "updated"),
        ("tenant_service", "created"),
        ("plan", "created"),
        ("plan", "wave_added"),
        ("plan", "workload_scheduled"),
        ("run", "started"),
    } <= labels, sorted(seen)
    agencies = {label for resource, action, label in seen if (resource, action) == ("agency", "created")}
    assert {"NDA", "NDA-EAST"} <= agencies
    update = next(e for e in entries if (e["resource"], e["action"]) == ("workload", "updated"))
    assert update["via"] == "page" and "components" in update["changes"]
    old, new = update["changes"]["components"]
    assert len(old) == 1 and len(new) == 2
