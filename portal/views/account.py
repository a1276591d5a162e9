"""Signing in and out, and each user's personal API tokens."""

from __future__ import annotations

import logging
import threading

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from core.errors import NotAuthorized, ValidationError
from core.web import get_session, public
from onboarding.compliance.reminders import default_sender, send_email
from portal.accounts import services as accounts
from portal.auth import (
    client_network,
    current_actor,
    current_user,
    safe_next,
    sign_in_user,
    sign_out_user,
    signed_in,
)
from portal.security import limiter
from portal.views.catalog_text import field_errors

bp = Blueprint("account", __name__)
log = logging.getLogger(__name__)


@bp.route("/sign-in", methods=["GET", "POST"])
@public
@limiter.limit("10 per minute", methods=["POST"])
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
def change_password() -> str | Response | tuple[str, int]:
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = request.form
        if form.get("new_password", "") != form.get("confirm_password", ""):
            errors = {"confirm_password": _("The two new passwords are not the same.")}
        else:
            try:
                user = accounts.change_password(
                    get_session(),
                    current_actor().signed_in_id,
                    form.get("current_password", ""),
                    form.get("new_password", ""),
                )
            except ValidationError as exc:
                errors = field_errors(exc.fields)
            else:
                sign_in_user(user)  # this session goes on; every other one has ended
                flash(_("Your password was changed. Other sessions were signed out."), "success")
                return redirect(url_for("home.index"))
    forced = current_user().must_change_password
    page = render_template("account/password.html", errors=errors, forced=forced)
    return (page, 422) if errors else page


@bp.route("/account/reset", methods=["GET", "POST"])
@public
@limiter.limit("5 per hour", methods=["POST"])
def request_reset() -> str:
    """A reset link by e-mail (through GOVCLOUD_SMTP_URL). The answer is the same whether or not the
    e-mail has an account, and arrives before the mail is sent (from a thread), so neither the words
    nor the time tell."""
    settings = current_app.config["GOVCLOUD"]
    sent = False
    if request.method == "POST" and settings.smtp_url:
        found = accounts.password_reset_token(
            get_session(), settings.secret_key, request.form.get("email", "")
        )
        if found is not None:
            user, token = found
            link = settings.base_url.rstrip("/") + url_for("account.reset_with_link", token=token)
            _send_in_background(settings.smtp_url, default_sender(settings.base_url), user.email, link)
        sent = True
    return render_template("account/reset_request.html", sent=sent, available=bool(settings.smtp_url))


def _send_in_background(smtp_url: str, sender: str, email: str, link: str) -> None:
    subject = _("Reset your govcloud password")
    body = _(
        "To choose a new password, open this link within an hour:\n%(link)s\n\n"
        "If you did not ask for it, ignore this message: your password stays as it is.",
        link=link,
    )

    def send() -> None:
        try:
            send_email(smtp_url, sender, [email], subject, body)
        except Exception:  # the visitor was answered already; the operator sees it in the log
            log.exception("password reset e-mail not sent")

    threading.Thread(target=send, daemon=True).start()


@bp.route("/account/reset/<token>", methods=["GET", "POST"])
@public
@limiter.limit("10 per hour", methods=["POST"])
def reset_with_link(token: str) -> str | Response | tuple[str, int]:
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = request.form
        if form.get("new_password", "") != form.get("confirm_password", ""):
            errors = {"confirm_password": _("The two new passwords are not the same.")}
        else:
            try:
                accounts.reset_password_with_token(
                    get_session(), current_app.config["SECRET_KEY"], token, form.get("new_password", "")
                )
            except NotAuthorized:
                errors = {"token": _("This reset link is not valid any more: ask for a new one.")}
            except ValidationError as exc:
                errors = field_errors(exc.fields)
            else:
                flash(_("Your password was changed. Sign in with it."), "success")
                return redirect(url_for("account.sign_in"))
    page = render_template("account/reset.html", errors=errors)
    return (page, 422) if errors else page


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
