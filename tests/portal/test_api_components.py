"""The OpenAPI document names each shape once: bodies and responses refer to `components/schemas`,
every `$ref` resolves, no shape is written out again inline, and what the API answers fits the
component it refers to (docs/architecture.md, "The API")."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from catalog.models import AgencyKind
from core.actors import SYSTEM, Role
from onboarding.compliance import services as compliance
from portal.api.catalog_schemas import AGENCY
from portal.api.openapi import COMPONENTS, component_schemas, shape
from tests.fixtures.catalog import service_data
from tests.onboarding.compliance import factories as f
from workers.tasks.compliance import today


@pytest.fixture
def document(client) -> dict[str, Any]:
    return client.get("/api/v1/openapi.json").json


def _operations(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, methods in document["paths"].items():
        for method, op in methods.items():
            yield f"{method.upper()} {path}", op


def _walk(node: Any, where: str) -> Iterator[tuple[str, Any]]:
    yield where, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, f"{where}/{index}")


def _is_ref(schema: dict[str, Any]) -> bool:
    return set(schema) == {"$ref"} and schema["$ref"].startswith(COMPONENTS)


def test_every_body_and_response_refers_to_a_component(document):
    inline = []
    for label, op in _operations(document):
        bodies = [("request", op["requestBody"])] if "requestBody" in op else []
        bodies += [(status, response) for status, response in op["responses"].items()]
        for which, body in bodies:
            for content in body.get("content", {}).values():
                schema = content["schema"]
                if schema.get("type") == "array" and which != "request":
                    schema = schema["items"]  # a list of one shape
                if not _is_ref(schema):
                    inline.append(f"{label} {which}")
    assert inline == []
    catalog_and_compliance = ["/services", "/agencies", "/programs", "/descriptors"]
    assert any(path.startswith(tuple(catalog_and_compliance)) for path in document["paths"])


def test_every_ref_resolves_to_a_component(document):
    components = document["components"]["schemas"]
    refs = [
        node["$ref"] for _where, node in _walk(document, "#") if isinstance(node, dict) and "$ref" in node
    ]
    assert refs
    assert [ref for ref in refs if ref.removeprefix(COMPONENTS) not in components] == []


def test_no_shape_is_written_out_again_inline(document):
    """An object with properties is a component of its own; nothing elsewhere repeats one."""
    components = document["components"]["schemas"]
    repeated, unnamed = [], []
    for name, schema in components.items():
        for where, node in _walk(document, "#"):
            if node == schema and where != f"#/components/schemas/{name}":
                repeated.append(f"{name} at {where}")
    named = {COMPONENTS + name for name in components}
    for where, node in _walk(document, "#"):
        if isinstance(node, dict) and isinstance(node.get("properties"), dict) and where not in named:
            unnamed.append(where)
    assert repeated == []
    assert unnamed == []


def test_the_document_lists_the_shapes_that_validate_requests(document):
    """validate_json checks a body against the same component the document publishes."""
    assert document["components"]["schemas"] == component_schemas()
    create = document["paths"]["/services"]["post"]["requestBody"]["content"]["application/json"]
    assert create["schema"] == {"$ref": COMPONENTS + "ServiceCreate"}


def test_a_name_names_one_shape():
    """A second, different declaration under a taken name is refused (the document would lose one)."""
    with pytest.raises(ValueError, match="two different API shapes"):
        shape("Agency", {"type": "object"})
    assert shape("Agency", dict(AGENCY.schema)) is AGENCY


def _fits(document: dict[str, Any], name: str, body: Any) -> list[str]:
    validator = Draft202012Validator({"$ref": COMPONENTS + name, "components": document["components"]})
    return [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(body)]


def test_catalog_answers_fit_their_components(client, document, make_user, api_headers, tree):
    headers = api_headers(make_user(Role.agency_member, agency=tree.a))
    created = client.post("/api/v1/services", json={"agency": "TMA", **service_data()}, headers=headers)
    assert created.status_code == 201, created.json
    assert _fits(document, "Service", created.json) == []
    listed = client.get("/api/v1/services", headers=headers).json
    assert _fits(document, "ServicePage", listed) == [] and listed["total"] == 1
    agencies = client.get("/api/v1/agencies", headers=headers).json
    assert agencies and all(_fits(document, "Agency", agency) == [] for agency in agencies)
    history = client.get(f"/api/v1/services/{created.json['id']}/history", headers=headers).json
    assert history and all(_fits(document, "ServiceChange", entry) == [] for entry in history)
    refused = client.post("/api/v1/services", json={"agency": "TMA"}, headers=headers)
    assert refused.status_code == 422 and _fits(document, "Error", refused.json) == []


def test_compliance_answers_fit_their_components(client, document, db_session, make_user, api_headers):
    ministry = f.agency(db_session, AgencyKind.ministry, name="وزارت نمونه")
    f.services(db_session, ministry, [3, 1])
    program = f.program(db_session)
    f.milestone(db_session, program, "electronic", 1.0, today() + dt.timedelta(days=30))
    compliance.take_snapshot(db_session, SYSTEM, today())
    admin = api_headers(make_user(Role.platform_admin))
    programs = client.get("/api/v1/programs", headers=admin).json
    assert programs and all(_fits(document, "Program", p) == [] for p in programs)
    matrix = client.get(f"/api/v1/programs/{program.id}/matrix", headers=admin).json
    assert matrix["rows"] and _fits(document, "ComplianceMatrix", matrix) == []
    detail = client.get(f"/api/v1/programs/{program.id}/agencies/{ministry.id}", headers=admin).json
    assert detail["milestones"][0]["latest"] is not None
    assert _fits(document, "ComplianceAgencyDetail", detail) == []
