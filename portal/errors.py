"""Domain errors and HTTP errors become responses in one place: JSON under /api/, a page elsewhere."""

from __future__ import annotations

from flask import Flask, Response, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from core import errors as domain
from core.db import integrity_error_as_domain
from core.web import rollback_session

DOMAIN_STATUS = {
    domain.NotFound: 404,
    domain.NotAuthorized: 403,
    domain.PreconditionFailed: 412,
    domain.Conflict: 409,
    domain.ValidationError: 422,
}


def _titles() -> dict[int, str]:
    return {
        400: _("The request could not be understood."),
        401: _("Please sign in."),
        403: _("You do not have access to this page."),
        404: _("Page not found."),
        405: _("This action is not allowed here."),
        409: _("This conflicts with the current state."),
        412: _("Someone changed this since you read it. Reload and try again."),
        413: _("The upload is too large."),
        422: _("Some fields need attention."),
        429: _("Too many requests. Please wait a moment and try again."),
        500: _("Something went wrong on our side."),
        503: _("The service is temporarily unavailable."),
    }


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def error_response(status: int, code: str, message: str, fields: dict[str, str] | None = None) -> Response:
    """Always a Response object (never a tuple), so a handler can add headers whatever the format."""
    if wants_json():
        error: dict[str, object] = {"code": code, "message": message}
        if fields:
            error["fields"] = fields
        response = jsonify({"error": error})
    else:
        response = make_response(
            render_template("errors/error.html", status=status, message=message, fields=fields or {})
        )
    response.status_code = status
    return response


def init_errors(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        status = exc.code or 500
        code = (exc.name or "error").lower().replace(" ", "_")
        response = error_response(status, code, _titles().get(status, exc.name or ""))
        # keep what the exception says beyond its body (Allow on a 405, Retry-After on a 429)
        for name, value in exc.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.errorhandler(domain.GovcloudError)
    def _domain(exc: domain.GovcloudError):
        status = next((s for t, s in DOMAIN_STATUS.items() if isinstance(exc, t)), 400)
        fields = exc.fields if isinstance(exc, domain.ValidationError) else exc.params.get("fields")
        return error_response(status, exc.code, exc.message, fields)

    @app.errorhandler(IntegrityError)
    def _integrity(exc: IntegrityError):
        # a check a service missed: the failed transaction is ended first, the page may read again
        app.logger.warning("integrity failure on %s %s: %s", request.method, request.endpoint, type(exc.orig))
        rollback_session()
        return _domain(integrity_error_as_domain(exc))

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        app.logger.exception("unhandled error on %s %s", request.method, request.endpoint)
        rollback_session()
        return error_response(500, "internal", _titles()[500])
