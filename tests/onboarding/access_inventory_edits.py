"""Editing the inventory in the role matrix: the workload form (rows of components, links) and a
data center's page with its status, and the same through the API with If-Match. A's people and the
platform's change A's objects; overseers read them (403 on changes); B's and S's people do not see
them (404). The objects are the migration world's (tests/onboarding/access_migration.py)."""

from __future__ import annotations

from tests.portal.access_matrix import AGENCY_READ_API, AGENCY_READ_PAGE, Case, add, expect

EDIT_PAGE = expect(200, anonymous=302, other_admin=404, other_member=404, overseer=403)
WRITE_PAGE = expect(302, other_admin=404, other_member=404, overseer=403)
WRITE_API = expect(200, anonymous=401, other_admin=404, other_member=404, overseer=403)
IF_MATCH_1 = {"If-Match": '"1"'}


def _workload_form(world) -> dict:
    return {
        "version": "1",
        "name": "w-start",
        "title": "ویرایش در ماتریس",
        "data_center_id": str(world.own["data_center"].id),
        "classification": "internal",
        "components-0-name": "web",
        "components-0-image": "registry.cloud.gov.ir/app:2",
        "components-0-ports": "8080",
        "components-0-replicas": "2",
        "components-1-name": "",
    }


add(
    "migration.edit_workload",
    Case("GET", lambda w: f"/migration/workloads/{w.own['workload'].id}/edit", EDIT_PAGE),
    Case(
        "POST", lambda w: f"/migration/workloads/{w.own['workload'].id}/edit", WRITE_PAGE, form=_workload_form
    ),
)
add(
    "migration.data_center_page",
    Case("GET", lambda w: f"/migration/data-centers/{w.own['data_center'].id}", AGENCY_READ_PAGE),
    Case(
        "POST",
        lambda w: f"/migration/data-centers/{w.own['data_center'].id}",
        WRITE_PAGE,
        form=lambda w: {
            "version": "1",
            "name": "Matrix DC",
            "location": "تهران",
            "owner": "",
            "status": "retiring",
        },
    ),
)
add(
    "api.update_workload_api",
    Case(
        "PATCH",
        lambda w: f"/api/v1/migration/workloads/{w.own['workload'].id}",
        WRITE_API,
        json=lambda w: {"title": "API"},
        headers=lambda w: IF_MATCH_1,
    ),
)
add(
    "api.get_data_center_api",
    Case("GET", lambda w: f"/api/v1/migration/data-centers/{w.own['data_center'].id}", AGENCY_READ_API),
)
add(
    "api.update_data_center_api",
    Case(
        "PATCH",
        lambda w: f"/api/v1/migration/data-centers/{w.own['data_center'].id}",
        WRITE_API,
        json=lambda w: {"status": "retiring"},
        headers=lambda w: IF_MATCH_1,
    ),
)
