"""Domain errors to HTTP in one place; error pages in the visitor's language."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from core.errors import Conflict, NotAuthorized, NotFound

TITLES = {
    400: "The request could not be understood.",
    401: "Please sign in.",
    403: "You may not do this.",
    404: "Nothing is here.",
    409: "This conflicts with what is already there.",
    413: "The file is too large.",
    429: "Too many attempts. Please wait a minute and try again.",
}


def _render(status: int):  # type: ignore[no-untyped-def]
    message = _(TITLES.get(status, "Something went wrong."))
    if request.path.endswith(".json"):
        return jsonify(error=message), status
    return render_template("feedback/error.html", status=status, message=message), status


def init_errors(app: Flask) -> None:
    app.register_error_handler(NotFound, lambda _e: _render(404))
    app.register_error_handler(NotAuthorized, lambda _e: _render(403))
    app.register_error_handler(Conflict, lambda _e: _render(409))

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):  # type: ignore[no-untyped-def]
        body, status = _render(exc.code or 500)
        # keep what the exception says beyond its body (Retry-After on a 429, Allow on a 405)
        headers = [(name, value) for name, value in exc.get_headers() if name.lower() != "content-type"]
        return body, status, headers
