"""Tenant services registered, re-planned, suspended, resumed and retired through the page, the API
and `govcloud tenants`; each change in the audit trail; `seed --no-demo` names the command that
registers the first tenant."""

import pytest
from click.testing import CliRunner

from catalog import trail
from catalog.models import TenantServiceStatus
from catalog.seed import seed_reference_agencies
from catalog.tenants import get_tenant_service
from core.actors import Role
from core.db import make_sessionmaker
from portal.cli import main
from tests.fixtures.web import csrf_token_from, parse_html


@pytest.fixture
def admin_headers(api_headers, make_user):
    return api_headers(make_user(Role.platform_admin))


def test_register_replan_suspend_and_retire_through_the_api(client, admin_headers, db_session, tree):
    body = {
        "agency": "tmb",
        "code": "registry",
        "name_fa": "ثبت",
        "public_url": "https://registry.cloud.gov.ir",
    }
    created = client.post("/api/v1/tenant-services", json=body, headers=admin_headers)
    assert (
        created.status_code == 200 and created.json["status"] == "active" and created.json["agency"] == "TMB"
    )
    replanned = client.post(
        "/api/v1/tenant-services", json={**body, "chart": "charts/registry"}, headers=admin_headers
    )
    assert replanned.json["chart"] == "charts/registry"
    bad = client.post(
        "/api/v1/tenant-services", json={**body, "public_url": "http://x"}, headers=admin_headers
    )
    assert bad.status_code == 422 and set(bad.json["error"]["fields"]) == {"public_url"}
    missing = client.post(
        "/api/v1/tenant-services", json={**body, "workload_id": 99999}, headers=admin_headers
    )
    assert missing.status_code == 422 and set(missing.json["error"]["fields"]) == {"workload_id"}
    status = "/api/v1/tenant-services/registry/status"
    assert (
        client.post(status, json={"status": "suspended"}, headers=admin_headers).json["status"] == "suspended"
    )
    assert client.post(status, json={"status": "retired"}, headers=admin_headers).json["status"] == "retired"
    again = client.post(status, json={"status": "active"}, headers=admin_headers)
    assert again.status_code == 422 and "status" in again.json["error"]["fields"]
    tenant = get_tenant_service(db_session, "registry")
    actions = [
        e.action
        for e in trail.list_events(
            db_session, trail.TrailFilter(resource="tenant_service", resource_id=tenant.id)
        )
    ]
    assert actions == ["retired", "suspended", "updated", "created"]


def test_register_and_suspend_from_the_page(client, sign_in, make_user, db_session, tree):
    sign_in(client, make_user(Role.platform_admin))
    page = client.get("/tenant-services").get_data(as_text=True)
    parse_html(page)
    token = csrf_token_from(page)
    form = {
        "csrf_token": token,
        "agency_code": "TMA",
        "code": "hr",
        "name_fa": "منابع انسانی",
        "public_url": "https://hr.cloud.gov.ir",
    }
    unknown = client.post("/tenant-services", data={**form, "agency_code": "NOPE"})
    assert unknown.status_code == 422
    no_workload = client.post("/tenant-services", data={**form, "workload_name": "none"})
    assert no_workload.status_code == 422 and "workload_name" in no_workload.get_data(as_text=True)
    assert client.post("/tenant-services", data=form).status_code == 302
    assert (
        client.post(
            "/tenant-services/hr/status", data={"csrf_token": token, "status": "suspended"}
        ).status_code
        == 302
    )
    assert get_tenant_service(db_session, "hr").status == TenantServiceStatus.suspended
    listed = client.get("/tenant-services").get_data(as_text=True)
    assert "معلق" in listed and "منابع انسانی" in listed


def _env(settings):
    return {
        "GOVCLOUD_DATABASE_URL": settings.database_url,
        "GOVCLOUD_FEEDBACK_DATABASE_URL": settings.feedback_database_url,
        "GOVCLOUD_VAR_DIR": settings.var_dir,
    }


def test_tenants_from_the_command_line(settings, committed_platform):
    with make_sessionmaker(committed_platform)() as session:
        seed_reference_agencies(session)
    runner, env = CliRunner(), _env(settings)
    registered = runner.invoke(
        main,
        [
            "tenants",
            "register",
            "payroll",
            "--agency",
            "arao",
            "--name-fa",
            "حقوق",
            "--url",
            "https://payroll.cloud.gov.ir",
        ],
        env=env,
    )
    assert registered.exit_code == 0, registered.output
    assert (
        runner.invoke(main, ["tenants", "suspend", "payroll"], env=env).output.strip()
        == "payroll is suspended"
    )
    listed = runner.invoke(main, ["tenants", "list"], env=env)
    assert "payroll\tARAO\tsuspended\thttps://payroll.cloud.gov.ir" in listed.output
    refused = runner.invoke(
        main,
        ["tenants", "register", "Bad Code", "--agency", "ARAO", "--name-fa", "x", "--url", "https://x.ir"],
        env=env,
    )
    assert refused.exit_code != 0 and "code" in refused.output


def test_seed_without_demo_names_the_first_tenants_command(settings, committed_platform):
    seeded = CliRunner().invoke(main, ["seed", "--no-demo"], env=_env(settings))
    assert seeded.exit_code == 0, seeded.output
    assert "govcloud tenants onboard-first" in seeded.output
