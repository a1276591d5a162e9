"""Agency management and the audit trail in the role matrix (tests/portal/access_matrix.py).

Editing, moving and deactivating an agency is its parent's business: the platform's for a top-level
agency (A), also A's admins for A's sub-agencies (S, and E, an empty sub-agency of A that can be
deactivated). S's admin manages S's members but cannot rename or close S itself (403); B's people do
not see A's tree (404)."""

from __future__ import annotations

from tests.portal.access_matrix import WORLD_BUILDERS, Case, add, expect

# on A (top level): only the platform changes it; S's people and B's people cannot read A
TOP_CHANGE_PAGE = expect(403, anonymous=302, platform_admin=200, other_admin=404, sub_admin=404)
TOP_CHANGE_POST = expect(403, anonymous=302, platform_admin=302, other_admin=404, sub_admin=404)
# on S: also A's admins; S's own admin reads S but may not change it
SUB_CHANGE_PAGE = expect(
    403, anonymous=302, platform_admin=200, own_admin=200, other_admin=404, sub_admin=403
)
SUB_CHANGE_POST = expect(
    403, anonymous=302, platform_admin=302, own_admin=302, other_admin=404, sub_admin=403
)
# on E (an empty sub-agency of A): S's people do not see it
EMPTY_CHANGE_POST = expect(403, anonymous=302, platform_admin=302, own_admin=302, other_admin=404)
EMPTY_CHANGE_API = expect(403, anonymous=401, platform_admin=200, own_admin=200, other_admin=404)
AUDITOR_PAGE = expect(403, anonymous=302, platform_admin=200, auditor=200)


def _agencies_world(session, world) -> None:
    from catalog.models import Agency, AgencyKind

    empty = Agency(
        code="MATRIX-EMPTY", name_fa="خالی", kind=AgencyKind.organization, parent_id=world.own["agency"].id
    )
    session.add(empty)
    session.commit()
    world.own["empty_sub"] = empty


WORLD_BUILDERS.append(_agencies_world)

NEW_TOP = {"code": "MATRIX-TOP", "name_fa": "سازمان تازه", "kind": "organization"}
add(
    "agencies.new_agency",
    Case("GET", lambda w: "/agencies/new", expect(403, anonymous=302, platform_admin=200)),
    Case(
        "POST",
        lambda w: "/agencies/new",
        expect(403, anonymous=302, platform_admin=302),
        form=lambda w: NEW_TOP,
    ),
)


def _edit_form(agency, parent) -> dict:
    return {
        "code": agency.code,
        "name_fa": "ویرایش شده",
        "kind": agency.kind.value,
        "parent_id": str(parent.id) if parent else "",
        "version": "1",
    }


add(
    "agencies.edit_agency",
    Case("GET", lambda w: f"/agencies/{w.own['agency'].id}/edit", TOP_CHANGE_PAGE),
    Case("GET", lambda w: f"/agencies/{w.sub['agency'].id}/edit", SUB_CHANGE_PAGE),
    Case(
        "POST",
        lambda w: f"/agencies/{w.own['agency'].id}/edit",
        TOP_CHANGE_POST,
        form=lambda w: _edit_form(w.own["agency"], None),
    ),
    Case(
        "POST",
        lambda w: f"/agencies/{w.sub['agency'].id}/edit",
        SUB_CHANGE_POST,
        form=lambda w: _edit_form(w.sub["agency"], w.own["agency"]),
    ),
)
add(
    "agencies.deactivate_agency",
    # S has an e-service that is not retired: refused, naming the reason (422)
    Case(
        "POST",
        lambda w: f"/agencies/{w.sub['agency'].id}/deactivate",
        expect(403, anonymous=302, platform_admin=422, own_admin=422, other_admin=404, sub_admin=403),
        form=lambda w: {"version": "1"},
    ),
    Case(
        "POST",
        lambda w: f"/agencies/{w.own['empty_sub'].id}/deactivate",
        EMPTY_CHANGE_POST,
        form=lambda w: {"version": "1"},
    ),
)
add(
    "agencies.activate_agency",
    Case(
        "POST",
        lambda w: f"/agencies/{w.own['empty_sub'].id}/activate",
        EMPTY_CHANGE_POST,
        form=lambda w: {"version": "1"},
    ),
)

# --- API ------------------------------------------------------------------------------------------
add(
    "api.create_agency",
    Case(
        "POST",
        lambda w: "/api/v1/agencies",
        expect(403, anonymous=401, platform_admin=201),
        json=lambda w: NEW_TOP,
    ),
    # under A: A's admins too; B's and S's admins cannot name A (422 naming parent_id, as for a missing one)
    Case(
        "POST",
        lambda w: "/api/v1/agencies",
        expect(403, anonymous=401, platform_admin=201, own_admin=201, other_admin=422, sub_admin=422),
        json=lambda w: {**NEW_TOP, "parent_id": w.own["agency"].id},
    ),
)
IF_MATCH_1 = {"If-Match": '"1"'}
add(
    "api.update_agency",
    Case(
        "PATCH",
        lambda w: f"/api/v1/agencies/{w.own['empty_sub'].id}",
        EMPTY_CHANGE_API,
        json=lambda w: {"name_en": "Renamed"},
        headers=lambda w: IF_MATCH_1,
    ),
)
for endpoint, verb in (("api.deactivate_agency", "deactivate"), ("api.activate_agency", "activate")):
    add(
        endpoint,
        Case(
            "POST",
            lambda w, verb=verb: f"/api/v1/agencies/{w.own['empty_sub'].id}/{verb}",
            EMPTY_CHANGE_API,
            headers=lambda w: IF_MATCH_1,
        ),
    )

# --- the audit trail ------------------------------------------------------------------------------
add("audit.index", Case("GET", lambda w: "/audit", AUDITOR_PAGE))
add(
    "audit.export",
    Case("GET", lambda w: "/audit/export.csv", AUDITOR_PAGE),
    Case("GET", lambda w: "/audit/export.jsonl", AUDITOR_PAGE),
)
