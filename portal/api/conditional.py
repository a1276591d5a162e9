"""Conditional writes, the same in every area of the API: an answer carries its object's version as
the ETag, and a change names the version it was made against in If-Match (428 without it, 412 when
it is stale; `*` skips the check)."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from werkzeug.exceptions import PreconditionRequired
from werkzeug.wrappers import Response

from core.errors import PreconditionFailed


def tagged(body: dict[str, Any], version: int, status: int = 200) -> Response:
    """The JSON answer with the object's version as its ETag, for the next If-Match."""
    response = jsonify(body)
    response.status_code = status
    response.set_etag(str(version))
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
