import pytest

from catalog.models import EService
from core.actors import Role
from tests.fixtures.catalog import GOOD, service_data
from tests.fixtures.hostile import alias_bomb


@pytest.fixture
def member(make_user, tree):
    return make_user(Role.agency_member, agency=tree.a)


@pytest.fixture
def headers(api_headers, member):
    return api_headers(member)


def _create(client, headers, agency="TMA", **overrides):
    return client.post(
        "/api/v1/services", json={"agency": agency, **service_data(**overrides)}, headers=headers
    )


def test_create_get_and_list(client, headers, tree):
    created = _create(client, headers)
    assert created.status_code == 201, created.json
    assert created.headers["ETag"] == '"1"'
    location = created.headers["Location"]
    fetched = client.get(location, headers=headers)
    assert fetched.json["code"] == "visa" and fetched.json["agency"] == "TMA"
    listed = client.get("/api/v1/services?maturity=3&channel=web&q=روادید", headers=headers).json
    assert listed["total"] == 1 and listed["items"][0]["id"] == created.json["id"]


def test_next_walks_the_same_services_as_the_pages_and_only_the_readers_own(
    client, headers, tree, make_user, api_headers
):
    """`next` (a keyset cursor) gives the same pages as `page=`; a cursor into another agency's
    services shows none of them; a cursor that is not one is a field error."""
    for number in range(5):
        assert _create(client, headers, code=f"s{number}").status_code == 201
        assert _create(client, headers, agency="TMA-FARS", code=f"f{number}").status_code == 201
    other = api_headers(make_user(Role.agency_member, agency=tree.b))
    assert _create(client, other, agency="TMB", code="b0").status_code == 201
    by_page = [
        [
            item["code"]
            for item in client.get(f"/api/v1/services?per_page=3&page={n}", headers=headers).json["items"]
        ]
        for n in range(1, 5)
    ]
    walked, cursor = [], ""
    while cursor is not None:
        body = client.get(f"/api/v1/services?per_page=3&after={cursor}", headers=headers).json
        assert body["total"] == 10
        walked.append([item["code"] for item in body["items"]])
        cursor = body["next"]
    assert walked == by_page and sum(map(len, walked)) == 10
    assert "b0" not in str(walked)
    listed = client.get(f"/api/v1/services?after={tree.b.id}:a", headers=headers).json["items"]
    assert {item["agency"] for item in listed} <= {"TMA", "TMA-FARS"}  # never TMB's, wherever it starts
    mine = client.get(f"/api/v1/services?after={tree.a.id}:s3", headers=headers).json["items"]
    assert [item["code"] for item in mine][:1] == ["s4"]
    for bad in ("x", "12", ":a", "0:a", "-1:a"):
        response = client.get(f"/api/v1/services?after={bad}", headers=headers)
        assert response.status_code == 422 and "after" in response.json["error"]["fields"], bad


def test_field_errors_have_a_stable_shape(client, headers, tree):
    response = _create(client, headers, maturity=9, public_url="nope")
    assert response.status_code == 422
    error = response.json["error"]
    assert error["code"] == "validation"
    assert set(error["fields"]) == {"maturity", "public_url"}  # the JSON Schema speaks first
    response = _create(client, headers, online_m2m=True)  # then the rules a schema cannot say
    assert response.json["error"]["fields"] == {
        "online_m2m": "only an inquiry can be served machine to machine"
    }
    # the body's agency: one they may not read is answered exactly like one that does not exist
    unreadable, missing = _create(client, headers, agency="TMB"), _create(client, headers, agency="NOPE")
    assert unreadable.status_code == missing.status_code == 422
    assert unreadable.json == missing.json and missing.json["error"]["fields"] == {"agency": "no such agency"}


def test_update_needs_the_current_etag(client, headers, tree, db_session):
    service = _create(client, headers).json
    url = f"/api/v1/services/{service['id']}"
    missing = client.patch(url, json={"maturity": 4}, headers=headers)
    assert missing.status_code == 428 and missing.json["error"]["code"] == "precondition_required"

    first = client.patch(url, json={"maturity": 4}, headers={**headers, "If-Match": '"1"'})
    assert first.status_code == 200 and first.headers["ETag"] == '"2"'
    stale = client.patch(url, json={"maturity": 0, "name_en": "lost"}, headers={**headers, "If-Match": '"1"'})
    assert stale.status_code == 412 and stale.json["error"]["code"] == "precondition_failed"
    db_session.expire_all()
    row = db_session.get(EService, service["id"])
    assert (row.maturity, row.name_en, row.version) == (4, "Electronic visa", 2)

    retire_stale = client.post(f"{url}/retire", headers={**headers, "If-Match": '"1"'})
    assert retire_stale.status_code == 412
    retired = client.post(f"{url}/retire", headers={**headers, "If-Match": '"2"'})
    assert retired.status_code == 200 and retired.json["status"] == "retired"
    history = client.get(f"{url}/history", headers=headers).json
    assert [h["action"] for h in history] == ["retired", "updated", "created"]
    assert history[1]["changes"] == {"maturity": [3, 4]} and history[1]["via"] == "api"


def test_other_agencies_objects_do_not_exist(client, api_headers, make_user, tree, headers):
    service = _create(client, headers).json
    outsider = api_headers(make_user(Role.agency_admin, agency=tree.b))
    assert client.get(f"/api/v1/services/{service['id']}", headers=outsider).status_code == 404
    patched = client.patch(
        f"/api/v1/services/{service['id']}", json={"maturity": 0}, headers={**outsider, "If-Match": '"1"'}
    )
    assert patched.status_code == 404
    assert client.get("/api/v1/services", headers=outsider).json["total"] == 0
    assert client.get(f"/api/v1/agencies/{tree.a.id}", headers=outsider).status_code == 404
    codes = [a["code"] for a in client.get("/api/v1/agencies", headers=outsider).json]
    assert codes == ["TMB"]


def test_overseer_reads_everything_and_changes_nothing(client, api_headers, make_user, tree, headers):
    service = _create(client, headers).json
    overseer = api_headers(make_user(Role.overseer))
    assert client.get(f"/api/v1/services/{service['id']}", headers=overseer).status_code == 200
    assert _create(client, overseer, code="x").status_code == 403
    patched = client.patch(
        f"/api/v1/services/{service['id']}", json={"maturity": 0}, headers={**overseer, "If-Match": '"1"'}
    )
    assert patched.status_code == 403


def test_descriptor_upload(client, headers, tree):
    dry = client.post(
        "/api/v1/descriptors", json={"content": GOOD, "file": "tma.yaml", "dry_run": True}, headers=headers
    )
    assert dry.status_code == 200 and dry.json["created"] == ["visa", "id-check"] and not dry.json["applied"]
    assert client.get("/api/v1/services", headers=headers).json["total"] == 0
    applied = client.post("/api/v1/descriptors", json={"content": GOOD, "file": "tma.yaml"}, headers=headers)
    assert applied.json["applied"] and client.get("/api/v1/services", headers=headers).json["total"] == 2
    again = client.post("/api/v1/descriptors", json={"content": GOOD}, headers=headers).json
    assert (again["created"], again["updated"], again["unchanged"], again["applied"]) == ([], {}, 2, False)
    bad = client.post(
        "/api/v1/descriptors", json={"content": GOOD.replace("maturity: 3", "maturity: x")}, headers=headers
    )
    assert bad.status_code == 422
    (problem,) = bad.json["error"]["problems"]
    assert (problem["line"], problem["field"]) == (9, "services[0].maturity")


def test_an_alias_bomb_through_the_api_is_refused_naming_its_line(client, headers, tree):
    refused = client.post(
        "/api/v1/descriptors", json={"content": alias_bomb(), "file": "bomb.yaml"}, headers=headers
    )
    assert refused.status_code == 422
    (problem,) = refused.json["error"]["problems"]
    assert (problem["line"], problem["message"]) == (
        2,
        "YAML aliases (*name) are not accepted: write each value out",
    )


def test_openapi_documents_the_catalog(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert {
        "/agencies",
        "/agencies/{agency_id}",
        "/services",
        "/services/{service_id}",
        "/descriptors",
    } <= set(paths)
    patch = paths["/services/{service_id}"]["patch"]
    assert {"412", "428", "422"} <= set(patch["responses"])
    assert any(p["name"] == "If-Match" and p["required"] for p in patch["parameters"])


def test_ids_beyond_the_database_range_are_not_found(client, headers):
    assert client.get("/api/v1/services/99999999999", headers=headers).status_code == 404
    assert client.get("/api/v1/agencies/2147483648", headers=headers).json["error"]["code"] == "not_found"
    assert client.get("/api/v1/agencies/2147483647", headers=headers).status_code == 404
