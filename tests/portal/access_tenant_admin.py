"""The platform's management of tenant services in the role matrix: pages under /tenant-services
and /api/v1/tenant-services; registering, re-planning and changing a tenant's status is the
platform's alone (everyone else signed in gets 403; the API's list is for anyone signed in)."""

from __future__ import annotations

from tests.portal.access_matrix import (
    PLATFORM_ADMIN_API,
    PLATFORM_ADMIN_PAGE,
    SIGNED_IN_API,
    Case,
    add,
    expect,
)

ADMIN_POST = expect(403, anonymous=302, platform_admin=302)


def _register_form(world) -> dict:
    return {
        "agency_code": world.other["agency"].code,
        "code": "matrix-new-tenant",
        "name_fa": "خدمت تازه",
        "public_url": "https://new.cloud.gov.ir",
        "chart": "charts/new",
    }


add(
    "tenant_admin.manage",
    Case("GET", lambda w: "/tenant-services", PLATFORM_ADMIN_PAGE),
    Case("POST", lambda w: "/tenant-services", ADMIN_POST, form=_register_form),
)
add(
    "tenant_admin.set_status",
    Case(
        "POST",
        lambda w: f"/tenant-services/{w.own['tenant'].code}/status",
        ADMIN_POST,
        form=lambda w: {"status": "suspended"},
    ),
)
add("api.list_tenant_services_api", Case("GET", lambda w: "/api/v1/tenant-services", SIGNED_IN_API))
add(
    "api.register_tenant_service_api",
    Case(
        "POST",
        lambda w: "/api/v1/tenant-services",
        PLATFORM_ADMIN_API,
        json=lambda w: {
            "agency": w.other["agency"].code,
            "code": "matrix-api-tenant",
            "name_fa": "خدمت",
            "public_url": "https://api.cloud.gov.ir",
        },
    ),
)
add(
    "api.set_tenant_service_status_api",
    Case(
        "POST",
        lambda w: f"/api/v1/tenant-services/{w.own['tenant'].code}/status",
        PLATFORM_ADMIN_API,
        json=lambda w: {"status": "suspended"},
    ),
)
