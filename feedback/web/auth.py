"""Registry admins sign in here (accounts are created with `govcloud feedback create-admin`)."""

from __future__ import annotations

from urllib.parse import urlparse

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from core.web import get_session, public
from feedback.accounts.models import VIEWER
from feedback.accounts.services import authenticate
from feedback.web.security import (
    SIGN_IN_LIMIT,
    limiter,
    sign_in_session,
    sign_out_session,
    signed_in_required,
)

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None, home: str) -> str:
    """Only a path on this site: an open redirect after sign-in would help phishing."""
    if target and target.startswith("/") and not target.startswith("//") and not urlparse(target).netloc:
        return target
    return home


@bp.route("/sign-in", methods=["GET", "POST"])
@public
@limiter.limit(SIGN_IN_LIMIT, methods=["POST"])
def sign_in() -> str | Response:
    error = ""
    email = request.form.get("email", "")
    if request.method == "POST":
        account = authenticate(get_session(), email, request.form.get("password", ""))
        if account is not None:
            sign_in_session(account.id)
            home = url_for("dashboards.dashboard") if account.role == VIEWER else url_for("admin.overview")
            return redirect(_safe_next(request.args.get("next"), home))
        error = _("The e-mail or the password is not right.")
    return render_template("feedback/auth/sign_in.html", error=error, email=email), 401 if error else 200


@bp.post("/sign-out")
@signed_in_required
def sign_out() -> Response:
    sign_out_session()
    return redirect(url_for("auth.sign_in"))
