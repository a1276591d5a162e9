"""What both apps' sign-in sessions and own-account pages share (OWASP ASVS level 2, V2 and V3):
the session's bookkeeping (a version the server can move on, an idle timeout, an absolute
lifetime) and the password pages (the own change, the e-mailed reset link). Each app's `account`
blueprint routes to these with its own services, templates and limits, so the rules are written
once.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, current_app, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from core.errors import NotAuthorized, ValidationError
from core.mail import default_sender, send_email

A = TypeVar("A")
VERSION_KEY = "v"  # the account's session_version when this session began
SEEN_KEY = "seen"  # when this session last made a request (epoch seconds)
STARTED_KEY = "since"  # when this session signed in (epoch seconds)
SEEN_REWRITE_SECONDS = 60  # the cookie is rewritten at most once a minute, not on every request
log = logging.getLogger(__name__)
ErrorsOf = Callable[[ValidationError], dict[str, str]]


def init_session_lifetime(app: Flask) -> None:
    """The cookie's own expiry follows GOVCLOUD_SESSION_LIFETIME_HOURS (the check in
    `session_is_current` is what holds: a cookie's expiry is the browser's to honour)."""
    hours = app.config["GOVCLOUD"].session_lifetime_hours
    app.config["PERMANENT_SESSION_LIFETIME"] = dt.timedelta(hours=hours)


def begin_session(key: str, account_id: int, version: int, *, permanent: bool) -> None:
    """A fresh session on sign-in (no fixation) under the account's current session version;
    `permanent`: the cookie outlives the browser (up to the lifetime), else it ends with it."""
    session.clear()
    now = time.time()
    session[key] = account_id
    session[VERSION_KEY] = version
    session[SEEN_KEY] = now
    session[STARTED_KEY] = now
    session.permanent = permanent


def session_is_current(version: int) -> bool:
    """Whether this request's session still counts for an account whose session version is
    `version`: nothing has ended the account's sessions since it began (a sign-out, a password
    change or reset, a deactivation move the version on), it has not been idle longer than
    GOVCLOUD_SESSION_IDLE_MINUTES, and it began less than GOVCLOUD_SESSION_LIFETIME_HOURS ago
    (a busy session is rewritten every minute, so the cookie's own age proves nothing). A session
    that no longer counts is cleared."""
    settings = current_app.config["GOVCLOUD"]
    now = time.time()
    seen = float(session.get(SEEN_KEY, 0))
    started = float(session.get(STARTED_KEY, 0))
    if (
        session.get(VERSION_KEY) != version
        or now - seen > settings.session_idle_minutes * 60
        or now - started > settings.session_lifetime_hours * 3600
    ):
        session.clear()
        return False
    if now - seen > SEEN_REWRITE_SECONDS:
        session[SEEN_KEY] = now
    return True


def _password_form(
    template: str,
    attempt: Callable[[str, str], A],
    done: Callable[[A], ResponseReturnValue],
    errors_of: ErrorsOf,
    *,
    refused: str = "",
    **context: Any,
) -> ResponseReturnValue:
    """A form with the new password twice: `attempt(current, new)` is the app's service, `done` says
    where to go after it; `refused`: the words for its NotAuthorized (else that propagates)."""
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = request.form
        if form.get("new_password", "") != form.get("confirm_password", ""):
            errors = {"confirm_password": _("The two new passwords are not the same.")}
        else:
            try:
                result = attempt(form.get("current_password", ""), form.get("new_password", ""))
            except NotAuthorized:
                if not refused:
                    raise
                errors = {"token": refused}
            except ValidationError as exc:
                errors = errors_of(exc)
            else:
                return done(result)
    page = render_template(template, errors=errors, **context)
    return (page, 422) if errors else page


def change_password_page(
    template: str,
    change: Callable[[str, str], A],
    done: Callable[[A], ResponseReturnValue],
    errors_of: ErrorsOf,
    *,
    forced: bool,
) -> ResponseReturnValue:
    """The signed-in account's own change: the current password again and the new one twice.
    `change(current, new)` is the app's service (it ends the account's other sessions); `done`
    carries this session on and says where to go."""
    return _password_form(template, change, done, errors_of, forced=forced)


def request_reset_page(
    template: str, find: Callable[[str], tuple[Any, str] | None], link_endpoint: str, base_url: str
) -> str:
    """A reset link by e-mail (through GOVCLOUD_SMTP_URL). `find(email)` is the app's service: the
    account and a reset token, or None. The answer is the same whether or not the e-mail has an
    account, and comes before the mail is sent (from a thread), so neither the words nor the time
    tell."""
    smtp_url = current_app.config["GOVCLOUD"].smtp_url
    sent = False
    if request.method == "POST" and smtp_url:
        found = find(request.form.get("email", ""))
        if found is not None:
            account, token = found
            link = base_url.rstrip("/") + url_for(link_endpoint, token=token)
            _send_in_background(smtp_url, default_sender(base_url), account.email, link)
        sent = True
    return render_template(template, sent=sent, available=bool(smtp_url))


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


def reset_with_link_page(
    template: str,
    reset: Callable[[str], object],
    errors_of: ErrorsOf,
    done: Callable[[], ResponseReturnValue],
) -> ResponseReturnValue:
    """The page an e-mailed link opens: a new password twice. `reset(new)` is the app's service for
    this link's token (NotAuthorized when forged, expired or used)."""
    return _password_form(
        template,
        lambda _current, new: reset(new),
        lambda _account: done(),
        errors_of,
        refused=_("This reset link is not valid any more: ask for a new one."),
    )


def to_sign_in(message: str) -> ResponseReturnValue:
    """After a reset: to the sign-in page with the word that it worked."""
    flash(message, "success")
    return redirect(url_for("account.sign_in"))
