"""JSON Schemas of the catalog API: they validate requests and document them in the OpenAPI
document (portal/api/openapi.py), so the two never disagree. Limits and patterns come from the
catalog's own rules (`catalog.schemas`), so the API never disagrees with the pages either."""

from __future__ import annotations

import re
from typing import Any

from catalog import trail
from catalog.models import MATURITY_LEVELS, AgencyKind, Audience, Channel, ServiceKind, ServiceStatus
from catalog.schemas import CODE_PATTERN, EMAIL_PATTERN, MAX_LENGTHS, PHONE_PATTERN, URL_PATTERN
from portal.api.openapi import header_param, if_match_param, query_param


def _empty_or(pattern: re.Pattern[str]) -> str:
    """A domain pattern (anchored, without flags) that also accepts the empty string."""
    return f"^({pattern.pattern.removeprefix('^').removesuffix('$')})?$"


def _text(field: str, **schema: Any) -> dict[str, Any]:
    return {"type": "string", "maxLength": MAX_LENGTHS[field], **schema}


# --- shapes --------------------------------------------------------------------------------------

AGENCY_SCHEMA: dict[str, Any] = {
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
        "kind": {"type": "string", "enum": [k.value for k in AgencyKind]},
        "parent_id": {"type": ["integer", "null"]},
        "province_code": {"type": ["string", "null"]},
        "county_code": {"type": ["string", "null"]},
        "active": {"type": "boolean"},
        "version": {"type": "integer"},
    },
}
AGENCY_FIELDS_SCHEMA: dict[str, Any] = {
    "code": {"type": "string", "description": "capital Latin letters, digits, dash, underscore (at most 32)"},
    "name_fa": {"type": "string"},
    "name_en": {"type": "string"},
    "kind": {"type": "string", "enum": [k.value for k in AgencyKind]},
    "province_code": {"type": ["string", "null"]},
    "county_code": {"type": ["string", "null"]},
}
AGENCY_CREATE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["code", "name_fa", "kind"],
    "properties": {
        **AGENCY_FIELDS_SCHEMA,
        "parent_id": {"type": ["integer", "null"], "description": "none for a top-level agency"},
    },
}
AGENCY_UPDATE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        **AGENCY_FIELDS_SCHEMA,
        "parent_id": {
            "type": ["integer", "null"],
            "description": "another parent moves the agency with its subtree",
        },
    },
}
AUDIT_EVENT_SCHEMA: dict[str, Any] = {
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
}
_MATURITY_TEXT = "; ".join(f"{level}: {text}" for level, text in sorted(MATURITY_LEVELS.items()))
SERVICE_FIELDS_SCHEMA: dict[str, Any] = {
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
SERVICE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["id", "agency_id", "agency", "version", *SERVICE_FIELDS_SCHEMA],
    "properties": {
        "id": {"type": "integer"},
        "agency_id": {"type": "integer"},
        "agency": {"type": "string", "description": "the agency's code"},
        "version": {"type": "integer"},
        "created_at": {"type": "string", "format": "date-time"},
        "updated_at": {"type": "string", "format": "date-time"},
        **SERVICE_FIELDS_SCHEMA,
    },
}
CREATE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["agency", "code", "name_fa", "kind", "audience", "channels", "maturity"],
    "properties": {"agency": {"type": "string", "description": "the agency's code"}, **SERVICE_FIELDS_SCHEMA},
}
UPDATE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": SERVICE_FIELDS_SCHEMA,
}
PAGE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["items", "total", "page", "per_page", "pages"],
    "properties": {
        "items": {"type": "array", "items": SERVICE_SCHEMA},
        "total": {"type": "integer"},
        "page": {"type": "integer"},
        "per_page": {"type": "integer"},
        "pages": {"type": "integer"},
        "next": {
            "type": ["string", "null"],
            "description": "pass as `after` for the next page (null on the last); `page` is then not used",
        },
    },
}
HISTORY_SCHEMA: dict[str, Any] = {
    "type": "array",
    "items": {
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
}
DESCRIPTOR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["content"],
    "properties": {
        "file": {"type": "string", "maxLength": 200, "description": "name shown in problems"},
        "content": {"type": "string", "description": "the descriptor's YAML (docs/descriptors.md)"},
        "dry_run": {"type": "boolean", "description": "report what would change; write nothing"},
    },
}
DESCRIPTOR_REPORT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["agency", "applied", "created", "updated", "unchanged"],
    "properties": {
        "agency": {"type": "string"},
        "applied": {"type": "boolean"},
        "created": {"type": "array", "items": {"type": "string"}},
        "updated": {"type": "object"},
        "unchanged": {"type": "integer"},
    },
}
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
IF_MATCH = header_param("If-Match", "the ETag from GET /services/{service_id}", required=True)
AGENCY_IF_MATCH = if_match_param("the ETag from GET /agencies/{agency_id}")
