"""Sign-in, sign-out and the own-password page of the feedback service's accounts (registry admins
are created with `govcloud feedback create-admin`), as `portal/views/account.py` for the platform."""

from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from core.errors import ValidationError
from core.web import get_session, public, safe_next_url
from feedback.accounts.models import VIEWER
from feedback.accounts.services import authenticate
from feedback.accounts.services import change_password as change_account_password
from feedback.web.auth import current_actor, sign_in_account, sign_out_account, signed_in
from feedback.web.messages import field_errors
from feedback.web.security import SIGN_IN_LIMIT, client_network, limiter

bp = Blueprint("account", __name__)


@bp.route("/sign-in", methods=["GET", "POST"])
@public
@limiter.limit(SIGN_IN_LIMIT, methods=["POST"])
def sign_in() -> str | Response | tuple[str, int]:
    error = ""
    email = request.form.get("email", "")
    if request.method == "POST":
        account = authenticate(
            get_session(), email, request.form.get("password", ""), client_network(request.remote_addr)
        )
        if account is not None:
            sign_in_account(account)
            if account.must_change_password:
                return redirect(url_for("account.change_password"))
            home = url_for("dashboards.dashboard") if account.role == VIEWER else url_for("admin.overview")
            return redirect(safe_next_url(request.args.get("next"), home))
        error = _("The e-mail or the password is not right.")
    return render_template("feedback/account/sign_in.html", error=error, email=email), 401 if error else 200


@bp.route("/account/password", methods=["GET", "POST"])
@signed_in
def change_password() -> str | Response | tuple[str, int]:
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = request.form
        if form.get("new_password", "") != form.get("confirm_password", ""):
            errors = {"confirm_password": _("The two new passwords are not the same.")}
        else:
            try:
                account = change_account_password(
                    get_session(),
                    current_actor().signed_in_id,
                    form.get("current_password", ""),
                    form.get("new_password", ""),
                )
            except ValidationError as exc:
                errors = field_errors(exc)
            else:
                sign_in_account(account)  # this one goes on
                home = (
                    url_for("dashboards.dashboard") if account.role == VIEWER else url_for("admin.overview")
                )
                return redirect(home)
    forced = bool(g.get("must_change_password"))
    page = render_template("feedback/account/password.html", errors=errors, forced=forced)
    return (page, 422) if errors else page


@bp.post("/sign-out")
@signed_in
def sign_out() -> Response:
    sign_out_account()
    return redirect(url_for("account.sign_in"))
