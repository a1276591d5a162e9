"""The short-code box (`/e`): a typed code leads to its survey (`/e/<token>`, in survey.py).

The token is a bearer capability in the URL: it is never logged (metrics label by endpoint) and
the page shows only what is printed on the desk sheet anyway; never the national code.
"""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from core.errors import NotFound
from core.web import public
from feedback.codes.services import token_for_short_code
from feedback.web.db import db
from feedback.web.security import SHORT_CODE_LIMIT, limiter

bp = Blueprint("codes", __name__)


@bp.get("/e")
@public
def lookup_form() -> str:
    return render_template("feedback/codes/lookup.html", error="", typed="")


@bp.post("/e")
@public
@limiter.limit(SHORT_CODE_LIMIT)
def lookup() -> Response | tuple[str, int]:
    typed = request.form.get("code", "")
    try:
        token = token_for_short_code(db(), typed)
    except NotFound:
        error = _("No desk has this code. Check the digits under the QR code and try again.")
        return render_template("feedback/codes/lookup.html", error=error, typed=typed), 404
    return redirect(url_for("survey.form", token=token), code=303)
