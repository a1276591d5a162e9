"""`govcloud tenants`: the cloud's tenant services from the command line. `onboard-first` is how an
operator registers the first tenant (the employee-feedback system) on a fresh install: catalog entry,
inventory (from the tenant chart), plan and runs on the configured backend, as `make run` does for
the demo; running it again goes on from where it stopped and changes nothing once it is running."""

from __future__ import annotations

import click

from catalog.models import TenantServiceStatus
from catalog.tenants import list_tenant_services, register_tenant_service, set_tenant_service_status
from core.actors import SYSTEM
from core.db import session_scope
from core.errors import GovcloudError
from core.settings import load_settings
from portal.commands import fail, session_factory


@click.group("tenants")
def group() -> None:
    """Register, re-plan, suspend, resume and retire tenant services; onboard the first tenant."""


@group.command("list")
def list_command() -> None:
    """Tenant services, one a line: code, agency, status, public address."""
    with session_scope(session_factory()) as session:
        for tenant in list_tenant_services(session):
            click.echo(f"{tenant.code}\t{tenant.agency.code}\t{tenant.status.value}\t{tenant.public_url}")


@group.command("register")
@click.argument("code")
@click.option("--agency", "agency_code", required=True, help="The agency's code.")
@click.option("--name-fa", required=True)
@click.option("--name-en", default="")
@click.option("--url", "public_url", required=True, help="Its public https:// address.")
@click.option("--chart", default="", help="The Helm chart it is deployed with.")
def register(code: str, agency_code: str, name_fa: str, name_en: str, public_url: str, chart: str) -> None:
    """Register a tenant service, or re-plan the one with this code."""
    with session_scope(session_factory()) as session:
        try:
            tenant = register_tenant_service(
                session,
                SYSTEM,
                agency_code=agency_code.upper(),
                code=code,
                name_fa=name_fa,
                name_en=name_en,
                public_url=public_url,
                chart=chart,
                via="cli",
            )
        except GovcloudError as exc:
            raise fail(exc) from None
        click.echo(f"registered {tenant.code} for {agency_code.upper()} ({tenant.status.value})")


def _status_command(name: str, status: TenantServiceStatus, help_text: str) -> click.Command:
    @click.command(name, help=help_text)
    @click.argument("code")
    def command(code: str) -> None:
        with session_scope(session_factory()) as session:
            try:
                tenant = set_tenant_service_status(session, SYSTEM, code, status.value, via="cli")
            except GovcloudError as exc:
                raise fail(exc) from None
            click.echo(f"{tenant.code} is {tenant.status.value}")

    return command


group.add_command(_status_command("suspend", TenantServiceStatus.suspended, "Suspend a tenant service."))
group.add_command(_status_command("resume", TenantServiceStatus.active, "Resume a suspended tenant service."))
group.add_command(_status_command("retire", TenantServiceStatus.retired, "Retire a tenant service for good."))


@group.command("onboard-first")
def onboard_first() -> None:
    """Register and deploy the first tenant (the employee-feedback system of ARAO) on the configured
    cloud backend; run it again to go on after a wave finishes."""
    from onboarding.backends import backend_from_settings
    from onboarding.tenants.first import onboard_first_tenant
    from onboarding.tenants.status import get_tenant_status

    settings = load_settings()
    with session_scope(session_factory(settings)) as session:
        try:
            result = onboard_first_tenant(session, SYSTEM, backend_from_settings(settings))
        except GovcloudError as exc:
            raise fail(exc) from None
        status = get_tenant_status(session, result.tenant_code)
        click.echo(f"{result.tenant_code}: {status.state}, {len(result.runs)} runs started or advanced now")
