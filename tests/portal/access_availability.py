"""The availability pages in the role matrix: an agency's evidence page (readers of the agency) and
"probe now" (the agency's own people and platform admins; overseers may look, not ask; another
agency's service is not found)."""

from __future__ import annotations

from tests.fixtures.catalog import service_data
from tests.portal.access_matrix import (
    AGENCY_READ_PAGE,
    PUBLIC,
    WORLD_BUILDERS,
    Case,
    add,
    expect,
    in_sub,
)

PROBE_NOW = expect(302, overseer=403, other_admin=404, other_member=404)


def _probed_world(session, world) -> None:
    from catalog import services
    from core.actors import SYSTEM

    for side in (world.own, world.other, world.sub, world.sibling):
        data = service_data("probed", public_url="https://service.example/health")
        side["probed"] = services.create_service(session, SYSTEM, side["agency"].id, data)


WORLD_BUILDERS.append(_probed_world)

add(
    "availability.agency_availability",
    Case("GET", lambda w: f"/agencies/{w.own['agency'].id}/availability", AGENCY_READ_PAGE),
    Case("GET", lambda w: f"/agencies/{w.sub['agency'].id}/availability", in_sub(AGENCY_READ_PAGE)),
)
add(
    "availability.probe_now",
    Case("POST", lambda w: f"/services/{w.own['probed'].id}/probe", PROBE_NOW, form=lambda w: {}),
    Case("POST", lambda w: f"/services/{w.sub['probed'].id}/probe", in_sub(PROBE_NOW), form=lambda w: {}),
    Case(
        "POST",
        lambda w: f"/services/{w.sibling['probed'].id}/probe",
        expect(302, overseer=403, other_admin=404, other_member=404, sub_admin=404, sub_member=404),
        form=lambda w: {},
    ),
)
add("availability.national_status", Case("GET", lambda w: "/status", PUBLIC))
add(
    "availability.agency_status",
    Case("GET", lambda w: f"/status/{w.own['agency'].code}", PUBLIC),
    Case("GET", lambda w: "/status/NO-SUCH-AGENCY", expect(404)),
)

# an agency named in the query that the caller may not read: bad input naming the field (422)
API_READ = expect(200, anonymous=401, other_admin=422, other_member=422)
# an id in the body naming another agency's service is bad input naming the field (422), as elsewhere
API_PROBE_NOW = expect(202, anonymous=401, overseer=403, other_admin=422, other_member=422)
add(
    "api.agency_availability",
    Case("GET", lambda w: f"/api/v1/availability?agency={w.own['agency'].id}", API_READ),
    Case("GET", lambda w: f"/api/v1/availability?agency={w.sub['agency'].id}", in_sub(API_READ)),
)
add(
    "api.probe_now",
    Case(
        "POST", lambda w: "/api/v1/probes", API_PROBE_NOW, json=lambda w: {"service_id": w.own["probed"].id}
    ),
    Case(
        "POST",
        lambda w: "/api/v1/probes",
        in_sub(API_PROBE_NOW),
        json=lambda w: {"service_id": w.sub["probed"].id},
    ),
)
