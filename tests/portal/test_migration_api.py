"""The migration API: clear 422s for bad definitions, and a workload from inventory to a started run."""

from __future__ import annotations

from core.actors import SYSTEM, Role
from onboarding.inventory import services as inventory

COMPONENTS = [{"name": "web", "image": "registry.cloud.gov.ir/app:1", "ports": [8080]}]


def test_the_api_is_documented(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert {"/migration/workloads", "/migration/runs/{run_id}", "/migration/plans/{plan_id}/entries"} <= set(
        paths
    )
    create = paths["/migration/workloads"]["post"]
    assert "422" in create["responses"] and create["requestBody"]["content"]["application/json"]["schema"]


def test_from_inventory_to_a_started_run(client, db_session, make_agency, make_user, api_headers):
    agency = make_agency()
    headers = api_headers(make_user(Role.agency_admin, agency=agency))
    dc = client.post(
        "/api/v1/migration/data-centers", json={"agency_id": agency.id, "name": "DC"}, headers=headers
    )
    assert dc.status_code == 201, dc.json

    bad = client.post(
        "/api/v1/migration/workloads",
        json={
            "agency_id": agency.id,
            "data_center_id": dc.json["id"],
            "name": "app",
            "components": [{"name": "web", "image": "x:1", "cpu": "fast", "secrets": ["Not_A_Name"]}],
        },
        headers=headers,
    )
    assert bad.status_code == 422
    assert bad.json["error"]["fields"] == {
        "components[0].cpu": "a CPU quantity such as 250m or 1",
        "components[0].secrets": "a list of secret names (lower-case letters, digits and '-')",
    }

    created = client.post(
        "/api/v1/migration/workloads",
        json={
            "agency_id": agency.id,
            "data_center_id": dc.json["id"],
            "name": "app",
            "components": COMPONENTS,
        },
        headers=headers,
    )
    assert created.status_code == 201 and created.json["status"] == "in_data_center"
    run = client.post(f"/api/v1/migration/workloads/{created.json['id']}/runs", json={}, headers=headers)
    assert run.status_code == 201 and run.json["status"] == "pending"
    again = client.post(f"/api/v1/migration/workloads/{created.json['id']}/runs", json={}, headers=headers)
    assert again.status_code == 409
    fetched = client.get(f"/api/v1/migration/runs/{run.json['id']}", headers=headers).json
    assert [s["name"] for s in fetched["steps"]] == [
        "landing_zone",
        "deploy",
        "wait_ready",
        "smoke_check",
        "cut_over",
        "retire_legacy",
    ]


def test_a_not_containerized_workload_cannot_start(client, db_session, make_agency, make_user, api_headers):
    agency = make_agency()
    headers = api_headers(make_user(Role.agency_member, agency=agency))
    dc = inventory.create_data_center(db_session, SYSTEM, agency.id, "DC")
    workload = inventory.create_workload(
        db_session, SYSTEM, agency.id, data_center_id=dc.id, name="legacy", components=[{"name": "erp"}]
    )
    response = client.post(f"/api/v1/migration/workloads/{workload.id}/runs", json={}, headers=headers)
    assert response.status_code == 422
    assert response.json["error"]["fields"] == {"components[0].image": "erp is not containerized yet"}
