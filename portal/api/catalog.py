"""/api/v1/agencies, /api/v1/services and /api/v1/descriptors.

Updates are conditional: GET returns an ETag (the service's version), PATCH and retire need it back
in If-Match. A stale write answers 412 and changes nothing; a write without If-Match answers 428.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import jsonify, request, url_for
from werkzeug.wrappers import Response

from catalog import descriptors, queries, services
from catalog.models import AgencyKind
from catalog.schemas import parse_page, parse_service_filter
from core.actors import Role
from core.db import is_valid_id
from core.errors import NotFound, UnknownReference, ValidationError
from core.web import body_limit, get_session
from portal.api import bp
from portal.api.catalog_schemas import (
    AGENCY,
    AGENCY_CREATE,
    AGENCY_FILTER_PARAMS,
    AGENCY_IF_MATCH,
    AGENCY_UPDATE,
    DESCRIPTOR_IMPORT,
    DESCRIPTOR_REPORT,
    FILTER_PARAMS,
    IF_MATCH,
    SERVICE,
    SERVICE_CHANGE,
    SERVICE_CREATE,
    SERVICE_PAGE,
    SERVICE_UPDATE,
    agency_json,
    change_json,
    descriptor_report_json,
    service_json,
)
from portal.api.conditional import expected_version, tagged
from portal.api.openapi import ListOf, operation, validate_json
from portal.auth import current_actor, roles, signed_in
from portal.security import UPLOAD_BYTES

EDITORS = (Role.platform_admin, Role.agency_admin, Role.agency_member)

# --- agencies -------------------------------------------------------------------------------------


@bp.get("/agencies")
@signed_in
@operation(
    summary="Agencies this account may read",
    tags=["agencies"],
    response=ListOf(AGENCY),
    parameters=AGENCY_FILTER_PARAMS,
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
    return jsonify([agency_json(a) for a in agencies])


@bp.get("/agencies/<int:agency_id>")
@signed_in
@operation(
    summary="One agency; its ETag is what PATCH, deactivate and activate need in If-Match",
    tags=["agencies"],
    response=AGENCY,
    headers={"ETag": "the agency's version"},
)
def get_agency(agency_id: int) -> Response:
    agency = queries.get_agency(get_session(), current_actor(), agency_id)
    return tagged(agency_json(agency), agency.version)


@bp.post("/agencies")
@roles(Role.platform_admin, Role.agency_admin)
@operation(
    summary="Add an agency: top-level (platform admins) or under a parent the account manages",
    tags=["agencies"],
    request_body=AGENCY_CREATE,
    response=AGENCY,
    status=201,
    headers={"ETag": "the new agency's version", "Location": "the new agency's URL"},
)
def create_agency() -> Response:
    body = validate_json(AGENCY_CREATE)
    session, actor = get_session(), current_actor()
    parent_id = body.pop("parent_id", None)
    if parent_id is not None:
        try:
            queries.get_agency(session, actor, parent_id)
        except NotFound:  # a field of the body: 422 naming it, alike for missing and unreadable
            raise UnknownReference("parent_id", "agency") from None
    agency = services.create_agency(session, actor, parent_id, body, via="api")
    response = tagged(agency_json(agency), agency.version, 201)
    response.headers["Location"] = url_for("api.get_agency", agency_id=agency.id)
    return response


@bp.patch("/agencies/<int:agency_id>")
@roles(Role.platform_admin, Role.agency_admin)
@operation(
    summary="Change an agency (If-Match required); another parent_id moves it with its subtree",
    tags=["agencies"],
    request_body=AGENCY_UPDATE,
    response=AGENCY,
    parameters=[AGENCY_IF_MATCH],
    errors=(412, 428),
    headers={"ETag": "the agency's new version"},
)
def update_agency(agency_id: int) -> Response:
    expected = expected_version("agency")
    body = validate_json(AGENCY_UPDATE)
    agency = services.update_agency(
        get_session(), current_actor(), agency_id, body, expected_version=expected, via="api"
    )
    return tagged(agency_json(agency), agency.version)


def _set_active(agency_id: int, active: bool) -> Response:
    expected = expected_version("agency")
    agency = services.set_agency_active(
        get_session(), current_actor(), agency_id, active, expected_version=expected, via="api"
    )
    return tagged(agency_json(agency), agency.version)


@bp.post("/agencies/<int:agency_id>/deactivate")
@roles(Role.platform_admin, Role.agency_admin)
@operation(
    summary="Deactivate an agency (If-Match required); refused, naming the reason, while it is in use",
    tags=["agencies"],
    response=AGENCY,
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
    response=AGENCY,
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
    response=SERVICE_PAGE,
    parameters=FILTER_PARAMS,
)
def list_services() -> Response:
    filters = queries.ServiceFilter(**parse_service_filter(request.args))
    page, per_page = parse_page(request.args)
    result = queries.list_service_rows(
        get_session(), current_actor(), filters, page=page, per_page=per_page, after=_cursor(request.args)
    )
    return jsonify(
        items=[service_json(s) for s in result.items],
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
    request_body=SERVICE_CREATE,
    response=SERVICE,
    status=201,
    errors=(404,),
    headers={"ETag": "the new service's version, for If-Match", "Location": "the new service's URL"},
)
def create_service() -> Response:
    body = validate_json(SERVICE_CREATE)
    session, actor = get_session(), current_actor()
    try:
        agency = queries.get_agency_by_code(session, actor, body.pop("agency"))
    except NotFound:  # a field of the body, not the URL: 422 naming it, alike for missing and unreadable
        raise UnknownReference("agency", "agency") from None
    service = services.create_service(session, actor, agency.id, body, via="api")
    response = tagged(service_json(service), service.version, 201)
    response.headers["Location"] = url_for("api.get_service", service_id=service.id)
    return response


@bp.get("/services/<int:service_id>")
@signed_in
@operation(
    summary="One e-service; its ETag is what PATCH and retire need in If-Match",
    tags=["services"],
    response=SERVICE,
    headers={"ETag": "the service's version"},
)
def get_service(service_id: int) -> Response:
    service = queries.get_service(get_session(), current_actor(), service_id)
    return tagged(service_json(service), service.version)


@bp.patch("/services/<int:service_id>")
@roles(*EDITORS)
@operation(
    summary="Change some fields of an e-service (If-Match required)",
    tags=["services"],
    request_body=SERVICE_UPDATE,
    response=SERVICE,
    parameters=[IF_MATCH],
    errors=(412, 428),
    headers={"ETag": "the service's new version"},
)
def update_service(service_id: int) -> Response:
    expected = expected_version()
    body = validate_json(SERVICE_UPDATE)
    service = services.update_service(
        get_session(), current_actor(), service_id, body, expected_version=expected, via="api"
    )
    return tagged(service_json(service), service.version)


@bp.post("/services/<int:service_id>/retire")
@roles(*EDITORS)
@operation(
    summary="Retire an e-service (If-Match required); it stays in the catalog and its history",
    tags=["services"],
    response=SERVICE,
    parameters=[IF_MATCH],
    errors=(412, 428),
    headers={"ETag": "the service's new version"},
)
def retire_service(service_id: int) -> Response:
    expected = expected_version()
    service = services.retire_service(
        get_session(), current_actor(), service_id, expected_version=expected, via="api"
    )
    return tagged(service_json(service), service.version)


@bp.get("/services/<int:service_id>/history")
@signed_in
@operation(
    summary="Every change of an e-service, newest first", tags=["services"], response=ListOf(SERVICE_CHANGE)
)
def service_history(service_id: int) -> Response:
    entries = queries.list_service_history(get_session(), current_actor(), service_id)
    return jsonify([change_json(e) for e in entries])


# --- descriptors ----------------------------------------------------------------------------------


@bp.post("/descriptors")
@roles(*EDITORS)
@body_limit(UPLOAD_BYTES)
@operation(
    summary="Import one agency's descriptor (all or nothing; idempotent)",
    tags=["services"],
    request_body=DESCRIPTOR_IMPORT,
    response=DESCRIPTOR_REPORT,
)
def import_descriptor() -> Response | tuple[Response, int]:
    body = validate_json(DESCRIPTOR_IMPORT)
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
    return jsonify(descriptor_report_json(report))
