"""/api/v1/tenant-services: the cloud's hosted tenants, registered, re-planned, suspended, resumed
and retired by the platform (catalog.tenants); the list is public knowledge, like the home page."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from werkzeug.wrappers import Response

from catalog.models import TenantService, TenantServiceStatus
from catalog.tenants import list_tenant_services, register_tenant_service, set_tenant_service_status
from core.actors import Role
from core.errors import NotFound, UnknownReference
from core.web import get_session
from onboarding.inventory.queries import get_workload
from portal.api import bp
from portal.api.openapi import ListOf, operation, shape, validate_json
from portal.auth import current_actor, roles, signed_in

TAGS = ["tenants"]
STATUSES = [s.value for s in TenantServiceStatus]
TENANT = shape(
    "TenantService",
    {
        "type": "object",
        "required": [
            "id",
            "code",
            "agency",
            "name_fa",
            "name_en",
            "public_url",
            "chart",
            "workload_id",
            "status",
        ],
        "properties": {
            "id": {"type": "integer"},
            "code": {"type": "string"},
            "agency": {"type": "string", "description": "the agency's code"},
            "name_fa": {"type": "string"},
            "name_en": {"type": "string"},
            "public_url": {"type": "string"},
            "chart": {"type": "string"},
            "workload_id": {"type": ["integer", "null"]},
            "status": {"type": "string", "enum": STATUSES},
        },
    },
)
TENANT_IN = shape(
    "TenantServiceCreate",
    {
        "type": "object",
        "additionalProperties": False,
        "required": ["agency", "code", "name_fa", "public_url"],
        "properties": {
            "agency": {"type": "string", "maxLength": 32, "description": "the agency's code"},
            "code": {"type": "string", "maxLength": 63},
            "name_fa": {"type": "string", "maxLength": 300},
            "name_en": {"type": "string", "maxLength": 300},
            "public_url": {"type": "string", "maxLength": 500},
            "chart": {"type": "string", "maxLength": 200},
            "workload_id": {"type": ["integer", "null"], "minimum": 1, "maximum": 2**31 - 1},
        },
    },
)
STATUS_IN = shape(
    "TenantServiceStatusChange",
    {
        "type": "object",
        "additionalProperties": False,
        "required": ["status"],
        "properties": {"status": {"type": "string", "enum": STATUSES}},
    },
)


def tenant_json(tenant: TenantService) -> dict[str, Any]:
    return {
        "id": tenant.id,
        "code": tenant.code,
        "agency": tenant.agency.code,
        "name_fa": tenant.name_fa,
        "name_en": tenant.name_en,
        "public_url": tenant.public_url,
        "chart": tenant.chart,
        "workload_id": tenant.workload_id,
        "status": tenant.status.value,
    }


@bp.get("/tenant-services")
@signed_in
@operation(summary="The cloud's tenant services", tags=TAGS, response=ListOf(TENANT))
def list_tenant_services_api() -> Response:
    return jsonify([tenant_json(t) for t in list_tenant_services(get_session())])


@bp.post("/tenant-services")
@roles(Role.platform_admin)
@operation(
    summary="Register a tenant service, or re-plan one by its code (address, chart, workload)",
    tags=TAGS,
    request_body=TENANT_IN,
    response=TENANT,
)
def register_tenant_service_api() -> Response:
    body = validate_json(TENANT_IN)
    session = get_session()
    tenant = register_tenant_service(
        session,
        current_actor(),
        agency_code=body["agency"].upper(),
        code=body["code"],
        name_fa=body["name_fa"],
        name_en=body.get("name_en", ""),
        public_url=body["public_url"],
        chart=body.get("chart", ""),
        workload_id=_workload_reference(body.get("workload_id")),
        via="api",
    )
    return jsonify(tenant_json(tenant))


def _workload_reference(workload_id: int | None) -> int | None:
    """The workload a body names: 422 naming `workload_id` when there is none (platform admins read
    every workload, so there is nothing to hide)."""
    if workload_id is None:
        return None
    try:
        return get_workload(get_session(), current_actor(), workload_id).id
    except NotFound:
        raise UnknownReference("workload_id", "workload") from None


@bp.post("/tenant-services/<code>/status")
@roles(Role.platform_admin)
@operation(
    summary="Suspend, resume or retire a tenant service (a retired one stays retired)",
    tags=TAGS,
    request_body=STATUS_IN,
    response=TENANT,
)
def set_tenant_service_status_api(code: str) -> Response:
    body = validate_json(STATUS_IN)
    tenant = set_tenant_service_status(get_session(), current_actor(), code, body["status"], via="api")
    return jsonify(tenant_json(tenant))
