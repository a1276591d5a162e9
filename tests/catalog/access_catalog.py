"""The catalog's routes in the role matrix (tests/portal/access_matrix.py): pages and API, each
against agency A's objects, walked for A's people, B's people, overseers and platform admins."""

from __future__ import annotations

import io

from tests.fixtures.catalog import GOOD, service_data
from tests.portal.access_matrix import (
    AGENCY_READ_API,
    AGENCY_READ_PAGE,
    SIGNED_IN_API,
    SIGNED_IN_PAGE,
    WORLD_BUILDERS,
    Case,
    add,
    expect,
)

# Writes to agency A: its admins and members and the platform admins; overseers may not (403);
# B's people do not see A's objects at all (404).
A_WRITE_PAGE = expect(302, overseer=403, other_admin=404, other_member=404)
A_WRITE_API = expect(200, anonymous=401, overseer=403, other_admin=404, other_member=404)
# Managing agency A (members, sub-agencies): A's admins and platform admins.
A_MANAGE_PAGE = expect(403, anonymous=302, platform_admin=200, own_admin=200, other_admin=404)
A_MANAGE_POST = expect(403, anonymous=302, platform_admin=302, own_admin=302, other_admin=404)
EDITOR_PAGE = expect(200, anonymous=302, overseer=403)


def _catalog_world(session, world) -> None:
    from catalog import services
    from core.actors import SYSTEM

    for side in (world.own, world.other):
        side["service"] = services.create_service(session, SYSTEM, side["agency"].id, service_data())


WORLD_BUILDERS.append(_catalog_world)


def _descriptor(world) -> str:
    return GOOD.replace("agency: TMA", f"agency: {world.own['agency'].code}").replace(
        "code: visa", "code: v2"
    )


def _service_form(world) -> dict:
    data = service_data("new-one")
    return {**data, "agency_id": str(world.own["agency"].id), "channels": data["channels"]}


def _edit_form(world) -> dict:
    return {**service_data(maturity=4), "version": "1"}


own_service = "/services/{}".format

# --- pages ----------------------------------------------------------------------------------------
add("agencies.list_agencies", Case("GET", lambda w: "/agencies", SIGNED_IN_PAGE))
add("agencies.show_agency", Case("GET", lambda w: f"/agencies/{w.own['agency'].id}", AGENCY_READ_PAGE))
add(
    "agencies.new_sub_agency",
    Case("GET", lambda w: f"/agencies/{w.own['agency'].id}/sub-agencies/new", A_MANAGE_PAGE),
    Case(
        "POST",
        lambda w: f"/agencies/{w.own['agency'].id}/sub-agencies/new",
        A_MANAGE_POST,
        form=lambda w: {"code": "MATRIX-SUB", "name_fa": "زیرمجموعه", "kind": "organization"},
    ),
)
add("agencies.members", Case("GET", lambda w: f"/agencies/{w.own['agency'].id}/members", A_MANAGE_PAGE))
add(
    "agencies.add_member",
    Case(
        "POST",
        lambda w: f"/agencies/{w.own['agency'].id}/members",
        A_MANAGE_PAGE,
        form=lambda w: {"email": "new.member@test.govcloud.ir", "name": "تازه", "role": "agency_member"},
    ),
)
add(
    "agencies.reset_member_password",
    Case(
        "POST",
        lambda w: f"/agencies/{w.own['agency'].id}/members/{w.own['member'].id}/reset-password",
        A_MANAGE_PAGE,
        form=lambda w: {},
    ),
)
add(
    "agencies.deactivate_member",
    Case(
        "POST",
        lambda w: f"/agencies/{w.own['agency'].id}/members/{w.own['member'].id}/deactivate",
        A_MANAGE_POST,
        form=lambda w: {},
    ),
)
add("catalog.list_services", Case("GET", lambda w: "/services", SIGNED_IN_PAGE))
add(
    "catalog.new_service",
    Case("GET", lambda w: "/services/new", EDITOR_PAGE),
    # the agency is a field of the form: B's people get "no such agency" (422) as for a missing one
    Case(
        "POST",
        lambda w: "/services/new",
        expect(302, overseer=403, other_admin=422, other_member=422),
        form=_service_form,
    ),
)
add("catalog.show_service", Case("GET", lambda w: own_service(w.own["service"].id), AGENCY_READ_PAGE))
add(
    "catalog.edit_service",
    Case(
        "GET",
        lambda w: own_service(w.own["service"].id) + "/edit",
        expect(200, anonymous=302, overseer=403, other_admin=404, other_member=404),
    ),
    Case("POST", lambda w: own_service(w.own["service"].id) + "/edit", A_WRITE_PAGE, form=_edit_form),
)
add(
    "catalog.retire_service",
    Case(
        "POST",
        lambda w: own_service(w.own["service"].id) + "/retire",
        A_WRITE_PAGE,
        form=lambda w: {"version": "1"},
    ),
)
add(
    "catalog.service_history",
    Case("GET", lambda w: own_service(w.own["service"].id) + "/history", AGENCY_READ_PAGE),
)
add(
    "catalog.import_descriptor",
    Case("GET", lambda w: "/services/import", EDITOR_PAGE),
    # B's people get the descriptor's own clear error: "you may not change agency …" (422)
    Case(
        "POST",
        lambda w: "/services/import",
        expect(200, anonymous=302, overseer=403, other_admin=422, other_member=422),
        form=lambda w: {"file": (io.BytesIO(_descriptor(w).encode()), "a.yaml")},
    ),
)

# --- API ------------------------------------------------------------------------------------------
add("api.list_agencies", Case("GET", lambda w: "/api/v1/agencies", SIGNED_IN_API))
add("api.get_agency", Case("GET", lambda w: f"/api/v1/agencies/{w.own['agency'].id}", AGENCY_READ_API))
add("api.list_services", Case("GET", lambda w: "/api/v1/services", SIGNED_IN_API))
add(
    "api.create_service",
    Case(
        "POST",
        lambda w: "/api/v1/services",
        expect(201, anonymous=401, overseer=403, other_admin=422, other_member=422),  # as a missing agency
        json=lambda w: {"agency": w.own["agency"].code, **service_data("api-new")},
    ),
)
add("api.get_service", Case("GET", lambda w: f"/api/v1/services/{w.own['service'].id}", AGENCY_READ_API))
add(
    "api.update_service",
    Case(
        "PATCH",
        lambda w: f"/api/v1/services/{w.own['service'].id}",
        A_WRITE_API,
        json=lambda w: {"maturity": 4},
        headers=lambda w: {"If-Match": '"1"'},
    ),
)
add(
    "api.retire_service",
    Case(
        "POST",
        lambda w: f"/api/v1/services/{w.own['service'].id}/retire",
        A_WRITE_API,
        headers=lambda w: {"If-Match": '"1"'},
    ),
)
add(
    "api.service_history",
    Case("GET", lambda w: f"/api/v1/services/{w.own['service'].id}/history", AGENCY_READ_API),
)
add(
    "api.import_descriptor",
    Case(
        "POST",
        lambda w: "/api/v1/descriptors",
        expect(200, anonymous=401, overseer=403, other_admin=422, other_member=422),
        json=lambda w: {"content": _descriptor(w), "file": "a.yaml"},
    ),
)
