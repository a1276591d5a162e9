"""Signing in and out, and each user's personal API tokens."""

from __future__ import annotations

from functools import partial

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from core.account_pages import change_password_page, request_reset_page, reset_with_link_page, to_sign_in
from core.errors import NotAuthorized, ValidationError
from core.web import get_session, public
from portal.accounts import services as accounts
from portal.accounts.models import User
from portal.auth import (
    client_network,
    current_actor,
    current_user,
    network_key,
    safe_next,
    sign_in_user,
    sign_out_user,
    signed_in,
)
from portal.security import limiter
from portal.views.catalog_text import field_errors

bp = Blueprint("account", __name__)


@bp.route("/sign-in", methods=["GET", "POST"])
@public
@limiter.limit("10 per minute", methods=["POST"])
@limiter.limit("30 per minute", key_func=network_key, methods=["POST"])
def sign_in() -> str | Response | tuple[str, int]:
    error = None
    email = request.form.get("email", "")
    if request.method == "POST":
        try:
            user = accounts.authenticate(
                get_session(), email, request.form.get("password", ""), client_network()
            )
        except accounts.TemporaryPasswordExpired:
            error = _("This one-time password has expired. Ask your administrator for a new one.")
        except NotAuthorized:
            # the same words for a wrong password, an unknown e-mail and too many tries from here
            error = _("Wrong e-mail or password.")
        else:
            sign_in_user(user)
            if user.must_change_password:
                return redirect(url_for("account.change_password"))
            return redirect(safe_next(request.args.get("next")))
    status = 401 if error else 200
    return render_template("account/sign_in.html", error=error, email=email), status


@bp.post("/sign-out")
@signed_in
def sign_out() -> Response:
    sign_out_user()
    flash(_("You have signed out."), "success")
    return redirect(url_for("home.index"))


@bp.route("/account/password", methods=["GET", "POST"])
@signed_in
def change_password() -> ResponseReturnValue:
    def change(current: str, new: str) -> User:
        return accounts.change_password(get_session(), current_actor().signed_in_id, current, new)

    def done(user: User) -> Response:
        sign_in_user(user)  # this session goes on; every other one has ended
        flash(_("Your password was changed. Other sessions were signed out."), "success")
        return redirect(url_for("home.index"))

    forced = current_user().must_change_password
    return change_password_page("account/password.html", change, done, _errors_of, forced=forced)


def _errors_of(exc: ValidationError) -> dict[str, str]:
    return field_errors(exc.fields)


@bp.route("/account/reset", methods=["GET", "POST"])
@public
@limiter.limit("5 per hour", methods=["POST"])
def request_reset() -> str:
    settings = current_app.config["GOVCLOUD"]

    def find(email: str) -> tuple[User, str] | None:
        return accounts.password_reset_token(get_session(), settings.secret_key, email)

    return request_reset_page(
        "account/reset_request.html", find, "account.reset_with_link", settings.base_url
    )


@bp.route("/account/reset/<token>", methods=["GET", "POST"])
@public
@limiter.limit("10 per hour", methods=["POST"])
def reset_with_link(token: str) -> ResponseReturnValue:
    def reset(new: str) -> User:
        return accounts.reset_password_with_token(get_session(), current_app.config["SECRET_KEY"], token, new)

    done = partial(to_sign_in, _("Your password was changed. Sign in with it."))
    return reset_with_link_page("account/reset.html", reset, _errors_of, done)


@bp.get("/account/tokens")
@signed_in
def tokens() -> str:
    actor = current_actor()
    return render_template(
        "account/tokens.html",
        tokens=accounts.list_tokens(get_session(), actor, actor.signed_in_id),
        new_token=None,
        errors={},
    )


@bp.post("/account/tokens")
@signed_in
def create_token() -> str | tuple[str, int]:
    actor = current_actor()
    try:
        _token, plaintext = accounts.issue_token(
            get_session(), actor, actor.signed_in_id, request.form.get("label", "")
        )
    except ValidationError as exc:
        listed = accounts.list_tokens(get_session(), actor, actor.signed_in_id)
        return render_template("account/tokens.html", tokens=listed, new_token=None, errors=exc.fields), 422
    # Shown once, on this response only; the database keeps a digest.
    listed = accounts.list_tokens(get_session(), actor, actor.signed_in_id)
    return render_template("account/tokens.html", tokens=listed, new_token=plaintext, errors={})


@bp.post("/account/tokens/<int:token_id>/revoke")
@signed_in
def revoke_token(token_id: int) -> Response:
    accounts.revoke_token(get_session(), current_actor(), token_id)
    flash(_("The token was revoked."), "success")
    return redirect(url_for("account.tokens"))
