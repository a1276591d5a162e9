"""Sign-in, sign-out, the own-password page and the e-mailed reset link of the feedback service's
accounts (registry admins are created with `govcloud feedback create-admin`), as
`portal/views/account.py` for the platform; the password pages themselves are `core.account_pages`."""

from __future__ import annotations

from functools import partial

from flask import Blueprint, current_app, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from core.account_pages import change_password_page, request_reset_page, reset_with_link_page, to_sign_in
from core.web import get_session, public, safe_next_url
from feedback.accounts.models import VIEWER, Account
from feedback.accounts.services import (
    authenticate,
    password_reset_token,
    reset_password_with_token,
)
from feedback.accounts.services import change_password as change_account_password
from feedback.web.auth import current_actor, sign_in_account, sign_out_account, signed_in
from feedback.web.messages import field_errors
from feedback.web.security import (
    RESET_LIMIT,
    RESET_REQUEST_LIMIT,
    SIGN_IN_LIMIT,
    SIGN_IN_NETWORK_LIMIT,
    client_network,
    limiter,
    network_key,
)

bp = Blueprint("account", __name__)


@bp.route("/sign-in", methods=["GET", "POST"])
@public
@limiter.limit(SIGN_IN_LIMIT, methods=["POST"])
@limiter.limit(SIGN_IN_NETWORK_LIMIT, key_func=network_key, methods=["POST"])
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
            return redirect(safe_next_url(request.args.get("next"), _home(account)))
        error = _("The e-mail or the password is not right.")
    return render_template("feedback/account/sign_in.html", error=error, email=email), 401 if error else 200


@bp.route("/account/password", methods=["GET", "POST"])
@signed_in
def change_password() -> ResponseReturnValue:
    def change(current: str, new: str) -> Account:
        return change_account_password(get_session(), current_actor().signed_in_id, current, new)

    def done(account: Account) -> Response:
        sign_in_account(account)  # this one goes on; every other session of the account has ended
        return redirect(_home(account))

    forced = bool(g.get("must_change_password"))
    return change_password_page("feedback/account/password.html", change, done, field_errors, forced=forced)


@bp.route("/account/reset", methods=["GET", "POST"])
@public
@limiter.limit(RESET_REQUEST_LIMIT, methods=["POST"])
def request_reset() -> str:
    settings = current_app.config["GOVCLOUD"]

    def find(email: str) -> tuple[Account, str] | None:
        return password_reset_token(get_session(), settings.secret_key, email)

    return request_reset_page(
        "feedback/account/reset_request.html", find, "account.reset_with_link", settings.feedback_base_url
    )


@bp.route("/account/reset/<token>", methods=["GET", "POST"])
@public
@limiter.limit(RESET_LIMIT, methods=["POST"])
def reset_with_link(token: str) -> ResponseReturnValue:
    def reset(new: str) -> Account:
        return reset_password_with_token(get_session(), current_app.config["SECRET_KEY"], token, new)

    done = partial(to_sign_in, _("Your password was changed. Sign in with it."))
    return reset_with_link_page("feedback/account/reset.html", reset, field_errors, done)


def _home(account: Account) -> str:
    return url_for("dashboards.dashboard") if account.role == VIEWER else url_for("admin.overview")


@bp.post("/sign-out")
@signed_in
def sign_out() -> Response:
    sign_out_account()
    return redirect(url_for("account.sign_in"))
