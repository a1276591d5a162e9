"""Registry admins sign in here (accounts are created with `govcloud feedback create-admin`)."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from core.web import public, safe_next_url
from feedback.accounts.models import VIEWER
from feedback.accounts.services import authenticate
from feedback.web.db import db
from feedback.web.security import (
    SIGN_IN_LIMIT,
    limiter,
    sign_in_session,
    sign_out_session,
    signed_in_required,
)

bp = Blueprint("auth", __name__)


@bp.route("/sign-in", methods=["GET", "POST"])
@public
@limiter.limit(SIGN_IN_LIMIT, methods=["POST"])
def sign_in() -> str | Response:
    error = ""
    email = request.form.get("email", "")
    if request.method == "POST":
        account = authenticate(db(), email, request.form.get("password", ""))
        if account is not None:
            sign_in_session(account.id)
            home = url_for("dashboards.dashboard") if account.role == VIEWER else url_for("admin.overview")
            return redirect(safe_next_url(request.args.get("next"), home))
        error = _("The e-mail or the password is not right.")
    return render_template("feedback/auth/sign_in.html", error=error, email=email), 401 if error else 200


@bp.post("/sign-out")
@signed_in_required
def sign_out() -> Response:
    sign_out_session()
    return redirect(url_for("auth.sign_in"))
