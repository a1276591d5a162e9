"""The REST API under /api/v1: bearer tokens, JSON errors with a stable shape, generated OpenAPI.

Area modules (`portal/api/<area>.py`) add their routes to `bp`; import them below, one line each.
"""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, jsonify, render_template
from werkzeug.wrappers import Response

from core.web import public
from portal.api.openapi import build_document, operation, shape
from portal.auth import current_actor, current_user, signed_in
from portal.security import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
docs_bp = Blueprint("api_docs", __name__)

ACCOUNT = shape(
    "Account",
    {
        "type": "object",
        "required": ["id", "email", "role", "agency_ids"],
        "properties": {
            "id": {"type": "integer"},
            "email": {"type": "string"},
            "name": {"type": "string"},
            "role": {
                "type": "string",
                "enum": ["platform_admin", "overseer", "auditor", "agency_admin", "agency_member"],
            },
            "agency_id": {"type": ["integer", "null"]},
            "agency_ids": {"type": "array", "items": {"type": "integer"}},
        },
    },
)


@bp.get("/me")
@signed_in
@operation(
    summary="The account behind this token and the agencies it may act for",
    tags=["accounts"],
    response=ACCOUNT,
)
def me() -> Response:
    user, actor = current_user(), current_actor()
    return jsonify(
        id=user.id,
        email=user.email,
        name=user.name,
        role=str(user.role),
        agency_id=user.agency_id,
        agency_ids=sorted(actor.agency_ids),
    )


@bp.get("/openapi.json")
@public
def openapi_document() -> Response:
    return jsonify(build_document(current_app))


@docs_bp.get("/api/v1/docs")
@public
def docs() -> Response:
    response = Response(render_template("api/docs.html"))
    # swagger-ui sets inline styles; everything is still served from our own origin.
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'"
    )
    return response


def register_api(app: Flask) -> None:
    # Area modules: one import each; they add routes to `bp`.
    import portal.api.availability
    import portal.api.catalog
    import portal.api.compliance
    import portal.api.migration
    import portal.api.tenants  # noqa: F401

    csrf.exempt(bp)
    app.register_blueprint(bp)
    app.register_blueprint(docs_bp)
