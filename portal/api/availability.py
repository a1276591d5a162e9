"""Evidence through the API: an agency's services, declared beside their 7-day availability and last
probe, with the recent failures; and "probe now" for the agency's own people."""

from __future__ import annotations

from typing import Any

from flask import request

from catalog import queries as catalog_queries
from core.dates import utcnow
from core.errors import NotFound, UnknownReference, ValidationError
from core.web import get_session
from onboarding.probes import queries, services
from onboarding.probes.models import ProbeResult
from portal import tasks
from portal.api import bp
from portal.api.openapi import JSON, nullable, operation, query_param, shape, validate_json
from portal.auth import current_actor, signed_in
from workers.celery_names import TaskNames

TAGS = ["availability"]
NULLABLE_INT = {"type": ["integer", "null"]}
PROBE_PROPERTIES: JSON = {
    "at": {"type": "string", "format": "date-time"},
    "up": {"type": "boolean"},
    "status_code": NULLABLE_INT,
    "latency_ms": {"type": "integer"},
    "error_class": {"type": "string"},
    "error_detail": {"type": "string"},
}
PROBE = shape("Probe", {"type": "object", "properties": PROBE_PROPERTIES})
PROBE_FAILURE = shape(
    "ProbeFailure",
    {"type": "object", "properties": {**PROBE_PROPERTIES, "service_id": {"type": "integer"}}},
)
WEEK = shape(
    "AvailabilityWeek",
    {
        "type": "object",
        "properties": {
            "probes": {"type": "integer"},
            "up": {"type": "integer"},
            "ratio": {"type": ["number", "null"]},
        },
    },
)
SERVICE_EVIDENCE = shape(
    "ServiceEvidence",
    {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "code": {"type": "string"},
            "kind": {"type": "string", "enum": ["service", "inquiry"]},
            "status": {"type": "string"},
            "maturity": {"type": "integer", "description": "declared"},
            "online_m2m": {"type": "boolean", "description": "declared (inquiries)"},
            "probed": {"type": "boolean", "description": "active with an address to probe"},
            "availability_7d": nullable(WEEK),
            "last_probe": nullable(PROBE),
        },
    },
)
AVAILABILITY = shape(
    "AgencyAvailability",
    {
        "type": "object",
        "required": ["agency_id", "services", "failures"],
        "properties": {
            "agency_id": {"type": "integer"},
            "services": {"type": "array", "items": SERVICE_EVIDENCE.ref},
            "failures": {"type": "array", "items": PROBE_FAILURE.ref},
        },
    },
)
PROBE_REQUEST = shape(
    "ProbeRequest",
    {
        "type": "object",
        "required": ["service_id"],
        "additionalProperties": False,
        "properties": {"service_id": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}},
    },
)
QUEUED = shape(
    "ProbeQueued",
    {"type": "object", "properties": {"service_id": {"type": "integer"}, "queued": {"type": "boolean"}}},
)


def _probe(row: ProbeResult | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {
        "at": row.at.isoformat(),
        "up": row.up,
        "status_code": row.status_code,
        "latency_ms": row.latency_ms,
        "error_class": row.error_class,
        "error_detail": row.error_detail,
    }


@bp.get("/availability")
@signed_in
@operation(
    parameters=[query_param("agency", {"type": "integer", "minimum": 1}, "the agency's id", required=True)],
    errors=(422,),
    summary="The agency's services: declared beside their 7-day availability and last probe; recent failures",
    tags=TAGS,
    response=AVAILABILITY,
)
def agency_availability() -> Any:
    """An agency named by the query that the caller may not read is bad input naming `agency` (422)."""
    session, actor = get_session(), current_actor()
    raw = request.args.get("agency", "")
    if not raw.isdigit():
        raise ValidationError("the agency is required", fields={"agency": "an agency id is required"})
    try:
        agency = catalog_queries.get_agency(session, actor, int(raw))
    except NotFound:
        raise UnknownReference("agency", "agency") from None
    evidence = queries.agency_evidence(session, actor, agency.id, utcnow())
    return {
        "agency_id": agency.id,
        "services": [
            {
                "id": item.service.id,
                "code": item.service.code,
                "kind": str(item.service.kind),
                "status": str(item.service.status),
                "maturity": item.service.maturity,
                "online_m2m": item.service.online_m2m,
                "probed": bool(item.service.public_url) and str(item.service.status) == "active",
                "availability_7d": None
                if item.week is None
                else {"probes": item.week.probes, "up": item.week.up, "ratio": item.week.ratio},
                "last_probe": _probe(item.last),
            }
            for item in evidence
        ],
        "failures": [
            {"service_id": row.service_id, **(_probe(row) or {})}
            for row in queries.recent_failures(session, actor, agency.id)
        ],
    }


@bp.post("/probes")
@signed_in
@operation(
    request_body=PROBE_REQUEST,
    summary="Probe the agency's service now (the result appears within a minute)",
    tags=TAGS,
    response=QUEUED,
    status=202,
)
def probe_now() -> Any:
    """An id naming nothing the caller may probe is bad input naming the field (422), as elsewhere."""
    service_id = validate_json(PROBE_REQUEST)["service_id"]
    try:
        service = services.request_probe_now(get_session(), current_actor(), service_id)
    except NotFound:
        raise UnknownReference("service_id", "e-service") from None
    tasks.send(TaskNames.PROBE_SERVICE, service.id)
    return {"service_id": service.id, "queued": True}, 202
