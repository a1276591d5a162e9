"""Tenant services: what the shared cloud hosts, for which agency, and how it is deployed.

The list is public knowledge (the cloud announces its tenants), so reads take no actor; only the
platform registers or changes a tenant service.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from catalog import policies, trail
from catalog.models import Agency, TenantService, TenantServiceStatus
from core.actors import Actor
from core.errors import NotAuthorized, NotFound, ValidationError
from core.text import DNS_LABEL

TENANT_AUDITED = ("agency_id", "name_fa", "name_en", "public_url", "chart", "workload_id", "status")


def list_tenant_services(session: Session) -> list[TenantService]:
    """Every tenant service, oldest first: the first tenant leads the list."""
    return list(
        session.scalars(
            select(TenantService).options(joinedload(TenantService.agency)).order_by(TenantService.id)
        )
    )


def get_tenant_service(session: Session, code: str) -> TenantService:
    found = session.scalar(
        select(TenantService).where(TenantService.code == code).options(joinedload(TenantService.agency))
    )
    if found is None:
        raise NotFound("no such tenant service", code=code)
    return found


def _checked_agency(session: Session, agency_code: str, code: str, name_fa: str, public_url: str) -> Agency:
    """The tenant's agency, once every field is right; else one ValidationError naming each field."""
    errors: dict[str, str] = {}
    agency = session.scalar(select(Agency).where(Agency.code == agency_code))
    if agency is None:
        errors["agency"] = f"no agency with code {agency_code!r}"
    if not DNS_LABEL.match(code):
        errors["code"] = "lower-case letters, digits and '-', at most 63"
    if not name_fa.strip():
        errors["name_fa"] = "required"
    if not public_url.startswith("https://"):
        errors["public_url"] = "an https:// address"
    if errors:
        raise ValidationError("the tenant service is invalid", fields=errors)
    assert agency is not None
    return agency


def register_tenant_service(
    session: Session,
    actor: Actor,
    *,
    agency_code: str,
    code: str,
    name_fa: str,
    name_en: str,
    public_url: str,
    chart: str,
    workload_id: int | None = None,
    via: str = "",
) -> TenantService:
    """Add or update (re-plan: another address, chart or workload) a tenant service by its code
    (idempotent: the same call twice changes nothing, and records nothing)."""
    if not policies.can_register_tenant_service(actor):
        raise NotAuthorized("not allowed to register tenant services", action="register tenant services")
    agency = _checked_agency(session, agency_code, code, name_fa, public_url)
    tenant = session.scalar(select(TenantService).where(TenantService.code == code))
    before: dict[str, object] = {}
    if tenant is None:
        tenant = TenantService(code=code, status=TenantServiceStatus.active)
        session.add(tenant)
    elif tenant.agency_id != agency.id:
        raise ValidationError("the tenant service is invalid", fields={"code": "used by another agency"})
    else:
        before = trail.snapshot(tenant, TENANT_AUDITED)
    tenant.agency_id = agency.id
    tenant.name_fa = name_fa.strip()
    tenant.name_en = name_en.strip()
    tenant.public_url = public_url
    tenant.chart = chart
    if workload_id is not None:
        tenant.workload_id = workload_id
    session.flush()
    after = trail.snapshot(tenant, TENANT_AUDITED)
    if trail.diff(before, after):
        action = "created" if not before else "updated"
        trail.record(
            session,
            actor,
            "tenant_service",
            tenant.id,
            action,
            agency_id=agency.id,
            label=code,
            before=before,
            after=after,
            via=via,
        )
    session.commit()
    return tenant


STATUS_ACTIONS = {
    TenantServiceStatus.active: "resumed",
    TenantServiceStatus.suspended: "suspended",
    TenantServiceStatus.retired: "retired",
}


def set_tenant_service_status(
    session: Session, actor: Actor, code: str, status: str, *, via: str = ""
) -> TenantService:
    """Suspend (kept, not served), resume, or retire a tenant service; a retired one stays retired
    (register a new code to host it again)."""
    if not policies.can_register_tenant_service(actor):
        raise NotAuthorized("not allowed to change tenant services", action="change tenant services")
    tenant = get_tenant_service(session, code)
    try:
        wanted = TenantServiceStatus(status)
    except ValueError:
        raise ValidationError(
            "unknown status", fields={"status": f"choose one of {', '.join(TenantServiceStatus)}"}
        ) from None
    if tenant.status == wanted:
        return tenant
    if tenant.status == TenantServiceStatus.retired:
        raise ValidationError("retired for good", fields={"status": "a retired tenant service stays retired"})
    before = trail.snapshot(tenant, TENANT_AUDITED)
    tenant.status = wanted
    trail.record(
        session,
        actor,
        "tenant_service",
        tenant.id,
        STATUS_ACTIONS[wanted],
        agency_id=tenant.agency_id,
        label=tenant.code,
        before=before,
        after=trail.snapshot(tenant, TENANT_AUDITED),
        via=via,
    )
    session.commit()
    return tenant
