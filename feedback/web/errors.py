"""Domain errors to HTTP in one place; error pages in the visitor's language.

Every status comes back as a Response object with the headers its exception carries (Allow on a 405,
Retry-After on a 429), on pages and in the JSON endpoints alike."""

from __future__ import annotations

from flask import Flask, Response, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from core.db import integrity_error_as_domain
from core.errors import Conflict, NotAuthorized, NotFound, ValidationError
from core.web import rollback_session

TITLES = {
    400: "The request could not be understood.",
    401: "Please sign in.",
    403: "You may not do this.",
    404: "Nothing is here.",
    405: "This action is not allowed here.",
    409: "This conflicts with what is already there.",
    413: "The file is too large.",
    422: "Some fields need attention.",
    429: "Too many attempts. Please wait a minute and try again.",
}


def _render(status: int, fields: dict[str, str] | None = None) -> Response:
    message = _(TITLES.get(status, "Something went wrong."))
    if request.path.endswith(".json"):
        response = jsonify(error=message, fields=fields) if fields else jsonify(error=message)
    else:
        response = make_response(
            render_template("feedback/error.html", status=status, message=message, fields=fields or {})
        )
    response.status_code = status
    return response


def init_errors(app: Flask) -> None:
    app.register_error_handler(NotFound, lambda _e: _render(404))
    app.register_error_handler(NotAuthorized, lambda _e: _render(403))
    app.register_error_handler(Conflict, lambda _e: _render(409))
    # a view that forgets to catch bad input still answers 422 naming the fields, never 500
    app.register_error_handler(ValidationError, lambda e: _render(422, e.fields))

    @app.errorhandler(IntegrityError)
    def _integrity(exc: IntegrityError) -> Response:
        # a check a service missed: end the failed transaction, then answer 409 or 422 naming the field
        app.logger.warning("integrity failure on %s %s: %s", request.method, request.endpoint, type(exc.orig))
        rollback_session()
        error = integrity_error_as_domain(exc)
        return _render(
            409 if isinstance(error, Conflict) else 422,
            getattr(error, "fields", None) or error.params.get("fields"),
        )

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        response = _render(exc.code or 500)
        # keep what the exception says beyond its body (Retry-After on a 429, Allow on a 405)
        for name, value in exc.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response
