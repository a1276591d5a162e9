"""/api/v1/agencies, /api/v1/services and /api/v1/descriptors.

Updates are conditional: GET returns an ETag (the service's version), PATCH and retire need it back
in If-Match. A stale write answers 412 and changes nothing; a write without If-Match answers 428.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import jsonify, request, url_for
from sqlalchemy import Row
from werkzeug.exceptions import PreconditionRequired
from werkzeug.wrappers import Response

from catalog import descriptors, queries, services
from catalog.models import Agency, AgencyKind, EService, ServiceChange
from catalog.schemas import parse_page, parse_service_filter
from core.actors import Role
from core.db import is_valid_id
from core.errors import NotFound, PreconditionFailed, UnknownReference, ValidationError
from core.web import body_limit, get_session
from portal.api import bp
from portal.api.catalog_schemas import (
    AGENCY_CREATE_SCHEMA,
    AGENCY_IF_MATCH,
    AGENCY_SCHEMA,
    AGENCY_UPDATE_SCHEMA,
    CREATE_SCHEMA,
    DESCRIPTOR_REPORT_SCHEMA,
    DESCRIPTOR_SCHEMA,
    FILTER_PARAMS,
    HISTORY_SCHEMA,
    IF_MATCH,
    PAGE_SCHEMA,
    SERVICE_SCHEMA,
    UPDATE_SCHEMA,
)
from portal.api.openapi import operation, query_param, validate_json
from portal.auth import current_actor, roles, signed_in
from portal.security import UPLOAD_BYTES

EDITORS = (Role.platform_admin, Role.agency_admin, Role.agency_member)

# --- helpers --------------------------------------------------------------------------------------


def _agency(agency: Agency) -> dict[str, Any]:
    return {
        "id": agency.id,
        "code": agency.code,
        "name_fa": agency.name_fa,
        "name_en": agency.name_en,
        "kind": agency.kind.value,
        "parent_id": agency.parent_id,
        "province_code": agency.province_code,
        "county_code": agency.county_code,
        "active": agency.active,
        "version": agency.version,
    }


def _service(service: EService | Row[Any]) -> dict[str, Any]:
    """An e-service's fields: from the object, or from a row of `queries.SERVICE_ROW_COLUMNS`."""
    agency = service.agency.code if isinstance(service, EService) else service.agency_code
    return {
        "id": service.id,
        "agency_id": service.agency_id,
        "agency": agency,
        "version": service.version,
        "created_at": service.created_at.isoformat(),
        "updated_at": service.updated_at.isoformat(),
        "code": service.code,
        "name_fa": service.name_fa,
        "name_en": service.name_en,
        "kind": service.kind.value,
        "audience": service.audience.value,
        "channels": list(service.channels),
        "maturity": service.maturity,
        "online_m2m": service.online_m2m,
        "yearly_volume": service.yearly_volume,
        "public_url": service.public_url,
        "owner_name": service.owner_name,
        "owner_email": service.owner_email,
        "owner_phone": service.owner_phone,
        "status": service.status.value,
    }


def _change(entry: ServiceChange) -> dict[str, Any]:
    return {
        "at": entry.at.isoformat(),
        "action": entry.action,
        "actor": entry.actor_label,
        "via": entry.via,
        "changes": entry.changes,
    }


def _with_etag(body: dict[str, Any], obj: EService | Agency, status: int = 200) -> Response:
    response = jsonify(body)
    response.status_code = status
    response.set_etag(str(obj.version))
    return response


def expected_version(what: str = "e-service") -> int | None:
    """The version named by If-Match (428 when it is missing; `*` skips the check)."""
    header = request.headers.get("If-Match", "").strip()
    if not header:
        raise PreconditionRequired()
    if header == "*":
        return None
    for tag in request.if_match.as_set(include_weak=False):
        if tag and tag.isdigit():
            return int(tag)
    raise PreconditionFailed(f"If-Match does not name a version of this {what}")


# --- agencies -------------------------------------------------------------------------------------


@bp.get("/agencies")
@signed_in
@operation(
    summary="Agencies this account may read",
    tags=["agencies"],
    response={"type": "array", "items": AGENCY_SCHEMA},
    parameters=[
        query_param("q", {"type": "string"}, "text in the code or names"),
        query_param("kind", {"type": "string", "enum": [k.value for k in AgencyKind]}),
    ],
)
def list_agencies() -> Response:
    kind = request.args.get("kind") or None
    if kind is not None and kind not in AgencyKind.__members__:
        raise ValidationError("invalid filter", fields={"kind": "not a kind of agency"})
    agencies = queries.list_agencies(
        get_session(),
        current_actor(),
        text=request.args.get("q", ""),
        kind=AgencyKind(kind) if kind else None,
    )
    return jsonify([_agency(a) for a in agencies])


@bp.get("/agencies/<int:agency_id>")
@signed_in
@operation(
    summary="One agency; its ETag is what PATCH, deactivate and activate need in If-Match",
    tags=["agencies"],
    response=AGENCY_SCHEMA,
    headers={"ETag": "the agency's version"},
)
def get_agency(agency_id: int) -> Response:
    agency = queries.get_agency(get_session(), current_actor(), agency_id)
    return _with_etag(_agency(agency), agency)


@bp.post("/agencies")
@roles(Role.platform_admin, Role.agency_admin)
@operation(
    summary="Add an agency: top-level (platform admins) or under a parent the account manages",
    tags=["agencies"],
    request_body=AGENCY_CREATE_SCHEMA,
    response=AGENCY_SCHEMA,
    status=201,
    headers={"ETag": "the new agency's version", "Location": "the new agency's URL"},
)
def create_agency() -> Response:
    body = validate_json(AGENCY_CREATE_SCHEMA)
    session, actor = get_session(), current_actor()
    parent_id = body.pop("parent_id", None)
    if parent_id is not None:
        try:
            queries.get_agency(session, actor, parent_id)
        except NotFound:  # a field of the body: 422 naming it, alike for missing and unreadable
            raise UnknownReference("parent_id", "agency") from None
    agency = services.create_agency(session, actor, parent_id, body, via="api")
    response = _with_etag(_agency(agency), agency, 201)
    response.headers["Location"] = url_for("api.get_agency", agency_id=agency.id)
    return response


@bp.patch("/agencies/<int:agency_id>")
@roles(Role.platform_admin, Role.agency_admin)
@operation(
    summary="Change an agency (If-Match required); another parent_id moves it with its subtree",
    tags=["agencies"],
    request_body=AGENCY_UPDATE_SCHEMA,
    response=AGENCY_SCHEMA,
    parameters=[AGENCY_IF_MATCH],
    errors=(412, 428),
    headers={"ETag": "the agency's new version"},
)
def update_agency(agency_id: int) -> Response:
    expected = expected_version("agency")
    body = validate_json(AGENCY_UPDATE_SCHEMA)
    agency = services.update_agency(
        get_session(), current_actor(), agency_id, body, expected_version=expected, via="api"
    )
    return _with_etag(_agency(agency), agency)


def _set_active(agency_id: int, active: bool) -> Response:
    expected = expected_version("agency")
    agency = services.set_agency_active(
        get_session(), current_actor(), agency_id, active, expected_version=expected, via="api"
    )
    return _with_etag(_agency(agency), agency)


@bp.post("/agencies/<int:agency_id>/deactivate")
@roles(Role.platform_admin, Role.agency_admin)
@operation(
    summary="Deactivate an agency (If-Match required); refused, naming the reason, while it is in use",
    tags=["agencies"],
    response=AGENCY_SCHEMA,
    parameters=[AGENCY_IF_MATCH],
    errors=(412, 428),
    headers={"ETag": "the agency's new version"},
)
def deactivate_agency(agency_id: int) -> Response:
    return _set_active(agency_id, False)


@bp.post("/agencies/<int:agency_id>/activate")
@roles(Role.platform_admin, Role.agency_admin)
@operation(
    summary="Reactivate an agency (If-Match required)",
    tags=["agencies"],
    response=AGENCY_SCHEMA,
    parameters=[AGENCY_IF_MATCH],
    errors=(412, 428),
    headers={"ETag": "the agency's new version"},
)
def activate_agency(agency_id: int) -> Response:
    return _set_active(agency_id, True)


# --- services -------------------------------------------------------------------------------------


@bp.get("/services")
@signed_in
@operation(
    summary="E-services and inquiries this account may read, filtered and paged",
    tags=["services"],
    response=PAGE_SCHEMA,
    parameters=FILTER_PARAMS,
)
def list_services() -> Response:
    filters = queries.ServiceFilter(**parse_service_filter(request.args))
    page, per_page = parse_page(request.args)
    result = queries.list_service_rows(
        get_session(), current_actor(), filters, page=page, per_page=per_page, after=_cursor(request.args)
    )
    return jsonify(
        items=[_service(s) for s in result.items],
        total=result.total,
        page=result.page,
        per_page=result.per_page,
        pages=result.pages,
        next=None if result.after is None else f"{result.after[0]}:{result.after[1]}",
    )


def _cursor(args: Mapping[str, str]) -> tuple[int, str] | None:
    """`after`: a page's `next` (`agency id:code`), or nothing."""
    value = args.get("after", "")
    if not value:
        return None
    agency_id, _, code = value.partition(":")
    if not agency_id.isdigit() or not is_valid_id(int(agency_id)) or not code or "\x00" in code:
        raise ValidationError("invalid cursor", fields={"after": "must be a page's `next` value"})
    return int(agency_id), code[:64]


@bp.post("/services")
@roles(*EDITORS)
@operation(
    summary="Register an e-service or inquiry",
    tags=["services"],
    request_body=CREATE_SCHEMA,
    response=SERVICE_SCHEMA,
    status=201,
    errors=(404,),
    headers={"ETag": "the new service's version, for If-Match", "Location": "the new service's URL"},
)
def create_service() -> Response:
    body = validate_json(CREATE_SCHEMA)
    session, actor = get_session(), current_actor()
    try:
        agency = queries.get_agency_by_code(session, actor, body.pop("agency"))
    except NotFound:  # a field of the body, not the URL: 422 naming it, alike for missing and unreadable
        raise UnknownReference("agency", "agency") from None
    service = services.create_service(session, actor, agency.id, body, via="api")
    response = _with_etag(_service(service), service, 201)
    response.headers["Location"] = url_for("api.get_service", service_id=service.id)
    return response


@bp.get("/services/<int:service_id>")
@signed_in
@operation(
    summary="One e-service; its ETag is what PATCH and retire need in If-Match",
    tags=["services"],
    response=SERVICE_SCHEMA,
    headers={"ETag": "the service's version"},
)
def get_service(service_id: int) -> Response:
    service = queries.get_service(get_session(), current_actor(), service_id)
    return _with_etag(_service(service), service)


@bp.patch("/services/<int:service_id>")
@roles(*EDITORS)
@operation(
    summary="Change some fields of an e-service (If-Match required)",
    tags=["services"],
    request_body=UPDATE_SCHEMA,
    response=SERVICE_SCHEMA,
    parameters=[IF_MATCH],
    errors=(412, 428),
    headers={"ETag": "the service's new version"},
)
def update_service(service_id: int) -> Response:
    expected = expected_version()
    body = validate_json(UPDATE_SCHEMA)
    service = services.update_service(
        get_session(), current_actor(), service_id, body, expected_version=expected, via="api"
    )
    return _with_etag(_service(service), service)


@bp.post("/services/<int:service_id>/retire")
@roles(*EDITORS)
@operation(
    summary="Retire an e-service (If-Match required); it stays in the catalog and its history",
    tags=["services"],
    response=SERVICE_SCHEMA,
    parameters=[IF_MATCH],
    errors=(412, 428),
    headers={"ETag": "the service's new version"},
)
def retire_service(service_id: int) -> Response:
    expected = expected_version()
    service = services.retire_service(
        get_session(), current_actor(), service_id, expected_version=expected, via="api"
    )
    return _with_etag(_service(service), service)


@bp.get("/services/<int:service_id>/history")
@signed_in
@operation(summary="Every change of an e-service, newest first", tags=["services"], response=HISTORY_SCHEMA)
def service_history(service_id: int) -> Response:
    entries = queries.list_service_history(get_session(), current_actor(), service_id)
    return jsonify([_change(e) for e in entries])


# --- descriptors ----------------------------------------------------------------------------------


@bp.post("/descriptors")
@roles(*EDITORS)
@body_limit(UPLOAD_BYTES)
@operation(
    summary="Import one agency's descriptor (all or nothing; idempotent)",
    tags=["services"],
    request_body=DESCRIPTOR_SCHEMA,
    response=DESCRIPTOR_REPORT_SCHEMA,
)
def import_descriptor() -> Response | tuple[Response, int]:
    body = validate_json(DESCRIPTOR_SCHEMA)
    file = body.get("file") or "descriptor.yaml"
    try:
        report = descriptors.import_descriptor(
            get_session(),
            current_actor(),
            body["content"],
            file,
            dry_run=bool(body.get("dry_run")),
            via="api",
        )
    except descriptors.DescriptorError as exc:
        problems = [
            {"file": p.file, "line": p.line, "field": p.field, "message": str(p.message)}
            for p in exc.problems
        ]
        response = jsonify(
            error={"code": exc.code, "message": exc.message, "fields": exc.fields, "problems": problems}
        )
        return response, 422
    return jsonify(
        agency=report.agency_code,
        applied=report.applied,
        created=report.created,
        updated=report.updated,
        unchanged=report.unchanged,
    )
