"""Tenant services: what the shared cloud hosts, for which agency, and how it is deployed.

The list is public knowledge (the cloud announces its tenants), so reads take no actor; only the
platform registers or changes a tenant service.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from catalog import policies
from catalog.models import Agency, TenantService
from core.actors import Actor
from core.errors import NotAuthorized, NotFound, ValidationError
from core.text import DNS_LABEL


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
) -> TenantService:
    """Add or update a tenant service by its code (idempotent: the same call twice changes nothing)."""
    if not policies.can_register_tenant_service(actor):
        raise NotAuthorized("not allowed to register tenant services", action="register tenant services")
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
    tenant = session.scalar(select(TenantService).where(TenantService.code == code))
    if tenant is None:
        tenant = TenantService(code=code)
        session.add(tenant)
    elif tenant.agency_id != agency.id:
        raise ValidationError("the tenant service is invalid", fields={"code": "used by another agency"})
    tenant.agency_id = agency.id
    tenant.name_fa = name_fa.strip()
    tenant.name_en = name_en.strip()
    tenant.public_url = public_url
    tenant.chart = chart
    if workload_id is not None:
        tenant.workload_id = workload_id
    session.commit()
    return tenant
