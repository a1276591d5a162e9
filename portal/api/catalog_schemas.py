"""The catalog API's shapes and the one serialiser of each type it answers with.

Each shape is declared once (portal/api/openapi.py `shape`): it validates requests and is the
document's component that every use refers to, so the two never disagree. Limits and patterns come
from the catalog's own rules (`catalog.schemas`), so the API never disagrees with the pages either."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Row

from catalog import trail
from catalog.descriptors import ImportReport
from catalog.models import (
    MATURITY_LEVELS,
    Agency,
    AgencyKind,
    Audience,
    Channel,
    EService,
    ServiceChange,
    ServiceKind,
    ServiceStatus,
)
from catalog.schemas import CODE_PATTERN, EMAIL_PATTERN, MAX_LENGTHS, PHONE_PATTERN, URL_PATTERN
from portal.api.openapi import JSON, if_match_param, query_param, shape


def _empty_or(pattern: re.Pattern[str]) -> str:
    """A domain pattern (anchored, without flags) that also accepts the empty string."""
    return f"^({pattern.pattern.removeprefix('^').removesuffix('$')})?$"


def _text(field: str, **schema: Any) -> dict[str, Any]:
    return {"type": "string", "maxLength": MAX_LENGTHS[field], **schema}


# --- shapes --------------------------------------------------------------------------------------

AGENCY_KINDS = {"type": "string", "enum": [k.value for k in AgencyKind]}
AGENCY = shape(
    "Agency",
    {
        "type": "object",
        "required": [
            "id",
            "code",
            "name_fa",
            "name_en",
            "kind",
            "parent_id",
            "province_code",
            "county_code",
            "active",
            "version",
        ],
        "properties": {
            "id": {"type": "integer"},
            "code": {"type": "string"},
            "name_fa": {"type": "string"},
            "name_en": {"type": "string"},
            "kind": AGENCY_KINDS,
            "parent_id": {"type": ["integer", "null"]},
            "province_code": {"type": ["string", "null"]},
            "county_code": {"type": ["string", "null"]},
            "active": {"type": "boolean"},
            "version": {"type": "integer"},
        },
    },
)
_AGENCY_FIELDS: JSON = {
    "code": {"type": "string", "description": "capital Latin letters, digits, dash, underscore (at most 32)"},
    "name_fa": {"type": "string"},
    "name_en": {"type": "string"},
    "kind": AGENCY_KINDS,
    "province_code": {"type": ["string", "null"]},
    "county_code": {"type": ["string", "null"]},
}
AGENCY_CREATE = shape(
    "AgencyCreate",
    {
        "type": "object",
        "additionalProperties": False,
        "required": ["code", "name_fa", "kind"],
        "properties": {
            **_AGENCY_FIELDS,
            "parent_id": {"type": ["integer", "null"], "description": "none for a top-level agency"},
        },
    },
)
AGENCY_UPDATE = shape(
    "AgencyUpdate",
    {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            **_AGENCY_FIELDS,
            "parent_id": {
                "type": ["integer", "null"],
                "description": "another parent moves the agency with its subtree",
            },
        },
    },
)
AUDIT_EVENT = shape(
    "AuditEvent",
    {
        "type": "object",
        "required": list(trail.EVENT_FIELDS),
        "properties": {
            "id": {"type": "integer"},
            "at": {"type": "string", "format": "date-time"},
            "actor_id": {"type": ["integer", "null"]},
            "actor": {"type": "string"},
            "via": {"type": "string"},
            "resource": {"type": "string"},
            "resource_id": {"type": ["integer", "null"]},
            "agency_id": {"type": ["integer", "null"]},
            "action": {"type": "string"},
            "label": {"type": "string"},
            "changes": {"type": "object", "description": "field -> [old, new]"},
        },
    },
)
_MATURITY_TEXT = "; ".join(f"{level}: {text}" for level, text in sorted(MATURITY_LEVELS.items()))
# An e-service's writable fields, as the catalog's rules limit them: the service, its creation and
# its update are three shapes over these same fields.
_SERVICE_FIELDS: JSON = {
    "code": {
        "type": "string",
        "pattern": CODE_PATTERN.pattern,
        "description": "unique within the agency: Latin letters, digits, dot, dash, underscore",
    },
    "name_fa": _text("name_fa", minLength=1, pattern="\\S"),
    "name_en": _text("name_en"),
    "kind": {"type": "string", "enum": [k.value for k in ServiceKind]},
    "audience": {"type": "string", "enum": [a.value for a in Audience]},
    "channels": {
        "type": "array",
        "items": {"type": "string", "enum": [c.value for c in Channel]},
        "minItems": 1,
        "uniqueItems": True,
    },
    "maturity": {"type": "integer", "minimum": 0, "maximum": 4, "description": _MATURITY_TEXT},
    "online_m2m": {"type": "boolean", "description": "inquiries only: served online, machine to machine"},
    "yearly_volume": {"type": ["integer", "null"], "minimum": 0},
    "public_url": _text("public_url", pattern=_empty_or(URL_PATTERN)),
    "owner_name": _text("owner_name"),
    "owner_email": _text("owner_email", pattern=_empty_or(EMAIL_PATTERN)),
    "owner_phone": _text("owner_phone", pattern=_empty_or(PHONE_PATTERN)),
    "status": {"type": "string", "enum": [s.value for s in ServiceStatus]},
}
SERVICE = shape(
    "Service",
    {
        "type": "object",
        "required": ["id", "agency_id", "agency", "version", *_SERVICE_FIELDS],
        "properties": {
            "id": {"type": "integer"},
            "agency_id": {"type": "integer"},
            "agency": {"type": "string", "description": "the agency's code"},
            "version": {"type": "integer"},
            "created_at": {"type": "string", "format": "date-time"},
            "updated_at": {"type": "string", "format": "date-time"},
            **_SERVICE_FIELDS,
        },
    },
)
SERVICE_CREATE = shape(
    "ServiceCreate",
    {
        "type": "object",
        "additionalProperties": False,
        "required": ["agency", "code", "name_fa", "kind", "audience", "channels", "maturity"],
        "properties": {"agency": {"type": "string", "description": "the agency's code"}, **_SERVICE_FIELDS},
    },
)
SERVICE_UPDATE = shape(
    "ServiceUpdate",
    {"type": "object", "additionalProperties": False, "properties": _SERVICE_FIELDS},
)
SERVICE_PAGE = shape(
    "ServicePage",
    {
        "type": "object",
        "required": ["items", "total", "page", "per_page", "pages"],
        "properties": {
            "items": {"type": "array", "items": SERVICE.ref},
            "total": {"type": "integer"},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
            "pages": {"type": "integer"},
            "next": {
                "type": ["string", "null"],
                "description": "pass as `after` for the next page (null on the last); `page` then unused",
            },
        },
    },
)
SERVICE_CHANGE = shape(
    "ServiceChange",
    {
        "type": "object",
        "required": ["at", "action", "actor", "via", "changes"],
        "properties": {
            "at": {"type": "string", "format": "date-time"},
            "action": {"type": "string"},
            "actor": {"type": "string"},
            "via": {"type": "string"},
            "changes": {
                "type": "object",
                "additionalProperties": {"type": "array", "minItems": 2, "maxItems": 2},
            },
        },
    },
)
DESCRIPTOR_IMPORT = shape(
    "DescriptorImport",
    {
        "type": "object",
        "additionalProperties": False,
        "required": ["content"],
        "properties": {
            "file": {"type": "string", "maxLength": 200, "description": "name shown in problems"},
            "content": {"type": "string", "description": "the descriptor's YAML (docs/descriptors.md)"},
            "dry_run": {"type": "boolean", "description": "report what would change; write nothing"},
        },
    },
)
DESCRIPTOR_REPORT = shape(
    "DescriptorReport",
    {
        "type": "object",
        "required": ["agency", "applied", "created", "updated", "unchanged"],
        "properties": {
            "agency": {"type": "string"},
            "applied": {"type": "boolean"},
            "created": {"type": "array", "items": {"type": "string"}},
            "updated": {"type": "object"},
            "unchanged": {"type": "integer"},
        },
    },
)

# --- parameters ----------------------------------------------------------------------------------

AGENCY_FILTER_PARAMS = [
    query_param("q", {"type": "string"}, "text in the code or names"),
    query_param("kind", AGENCY_KINDS),
]
FILTER_PARAMS = [
    query_param("agency", {"type": "string"}, "agency code"),
    query_param("kind", {"type": "string", "enum": [k.value for k in ServiceKind]}),
    query_param("maturity", {"type": "integer", "minimum": 0, "maximum": 4}),
    query_param("channel", {"type": "string", "enum": [c.value for c in Channel]}),
    query_param("status", {"type": "string", "enum": [s.value for s in ServiceStatus]}),
    query_param("q", {"type": "string"}, "text in the code or names (Persian letters normalized)"),
    query_param("page", {"type": "integer", "minimum": 1}),
    query_param("per_page", {"type": "integer", "minimum": 1, "maximum": 200}),
    query_param("after", {"type": "string"}, "a page's `next`: the page after it, at the same cost anywhere"),
]
IF_MATCH = if_match_param("the ETag from GET /services/{service_id}")
AGENCY_IF_MATCH = if_match_param("the ETag from GET /agencies/{agency_id}")

# --- serialisers: one a type ---------------------------------------------------------------------


def agency_json(agency: Agency) -> JSON:
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


def service_json(service: EService | Row[Any]) -> JSON:
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


def change_json(entry: ServiceChange) -> JSON:
    return {
        "at": entry.at.isoformat(),
        "action": entry.action,
        "actor": entry.actor_label,
        "via": entry.via,
        "changes": entry.changes,
    }


def descriptor_report_json(report: ImportReport) -> JSON:
    return {
        "agency": report.agency_code,
        "applied": report.applied,
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
    }
