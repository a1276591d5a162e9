"""/api/v1/agencies: add, edit, move and deactivate agencies with If-Match (428 without, 412 stale)."""

import pytest

from core.actors import Role
from tests.fixtures.catalog import add_service


@pytest.fixture
def admin_headers(api_headers, make_user):
    return api_headers(make_user(Role.platform_admin))


def test_add_edit_move_and_deactivate_through_the_api(client, admin_headers, tree):
    created = client.post(
        "/api/v1/agencies",
        json={"code": "API-ORG", "name_fa": "سازمان", "kind": "organization", "parent_id": tree.a.id},
        headers=admin_headers,
    )
    assert created.status_code == 201, created.json
    assert created.headers["ETag"] == '"1"' and created.json["parent_id"] == tree.a.id
    url = created.headers["Location"]
    assert client.patch(url, json={"name_en": "x"}, headers=admin_headers).status_code == 428
    moved = client.patch(
        url, json={"parent_id": tree.b.id, "name_en": "Org"}, headers={**admin_headers, "If-Match": '"1"'}
    )
    assert (
        moved.status_code == 200 and moved.json["parent_id"] == tree.b.id and moved.headers["ETag"] == '"2"'
    )
    stale = client.patch(url, json={"name_en": "late"}, headers={**admin_headers, "If-Match": '"1"'})
    assert stale.status_code == 412
    cycle = client.patch(
        url, json={"parent_id": created.json["id"]}, headers={**admin_headers, "If-Match": '"2"'}
    )
    assert cycle.status_code == 422 and set(cycle.json["error"]["fields"]) == {"parent_id"}
    gone = client.post(url + "/deactivate", headers={**admin_headers, "If-Match": '"2"'})
    assert gone.status_code == 200 and gone.json["active"] is False
    back = client.post(url + "/activate", headers={**admin_headers, "If-Match": gone.headers["ETag"]})
    assert back.status_code == 200 and back.json["active"] is True


def test_bad_fields_are_422_naming_them(client, admin_headers, tree):
    response = client.post(
        "/api/v1/agencies",
        json={"code": "bad code!", "name_fa": "", "kind": "county_office"},
        headers=admin_headers,
    )
    assert response.status_code == 422
    assert {"code", "name_fa", "kind"} <= set(response.json["error"]["fields"])
    missing_parent = client.post(
        "/api/v1/agencies",
        json={"code": "X1", "name_fa": "x", "kind": "organization", "parent_id": 987654},
        headers=admin_headers,
    )
    assert missing_parent.status_code == 422 and set(missing_parent.json["error"]["fields"]) == {"parent_id"}


def test_deactivation_in_use_names_the_reason(client, db_session, admin_headers, tree):
    add_service(db_session, tree.b)
    response = client.post(
        f"/api/v1/agencies/{tree.b.id}/deactivate", headers={**admin_headers, "If-Match": "*"}
    )
    assert response.status_code == 422
    assert "e-services" in response.json["error"]["fields"]["active"]
