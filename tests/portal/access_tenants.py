"""The tenant pages in the role matrix (see tests/portal/access_matrix.py): public, like the home
page that lists the cloud's tenants; an unknown code is 404 for everyone."""

from __future__ import annotations

from typing import Any

from tests.portal.access_matrix import PUBLIC, WORLD_BUILDERS, Case, World, add, expect


def _tenant_world(session: Any, world: World) -> None:
    from catalog.tenants import register_tenant_service
    from core.actors import SYSTEM

    world.own["tenant"] = register_tenant_service(
        session,
        SYSTEM,
        agency_code=world.own["agency"].code,
        code="matrix-tenant",
        name_fa="خدمت آزمایشی",
        name_en="Matrix tenant",
        public_url="https://matrix.cloud.gov.ir",
        chart="charts/employee-feedback",
    )


WORLD_BUILDERS.append(_tenant_world)

add(
    "tenants.tenant_page",
    Case("GET", lambda w: f"/tenants/{w.own['tenant'].code}", PUBLIC),
    Case("GET", lambda w: "/tenants/no-such-tenant", expect(404)),
)
