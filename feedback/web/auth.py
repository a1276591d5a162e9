"""Who is asking, and may they: the signed-in account's actor for each request and the routes'
access decorators, as `portal/auth.py` for the platform (the sign-in pages are `account.py`)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, abort, g, redirect, request, session, url_for

from core.actors import Actor
from core.web import access_required, get_session
from feedback.accounts.actors import actor_for
from feedback.accounts.models import VIEWER, Account
from feedback.accounts.policies import can_manage_registry
from feedback.accounts.services import dummy_hash, end_sessions, get_active_account

F = TypeVar("F", bound=Callable[..., Any])
SESSION_KEY = "feedback_account_id"
VERSION_KEY = "v"  # the account's session_version when this session began
SEEN_KEY = "seen"  # when this session last made a request (epoch seconds)
IDLE_TIMEOUT = 30 * 60  # ASVS 3.3.2: an unattended browser is signed out after half an hour
SESSION_LIFETIME = dt.timedelta(hours=12)
# What an account that must change its password may still reach.
WHILE_CHANGING_PASSWORD = {"account.change_password", "account.sign_out", "static"}


def init_auth(app: Flask) -> None:
    app.config["PERMANENT_SESSION_LIFETIME"] = SESSION_LIFETIME
    dummy_hash()  # now, so the first sign-in with an unknown e-mail is no slower than the others

    @app.before_request
    def _load_actor() -> Any:
        """The session's account while the session is current: active, not ended since (sign-out,
        a password change or reset, a deactivation move the version on), not idle too long."""
        g.actor = None
        account_id = session.get(SESSION_KEY)
        if account_id is None:
            return None
        account = get_active_account(get_session(), int(account_id))
        now = time.time()
        if (
            account is None
            or session.get(VERSION_KEY) != account.session_version
            or now - float(session.get(SEEN_KEY, 0)) > IDLE_TIMEOUT
        ):
            session.clear()
            return None
        if now - float(session[SEEN_KEY]) > 60:  # the cookie is rewritten at most once a minute
            session[SEEN_KEY] = now
        g.actor = actor_for(account)
        g.must_change_password = account.must_change_password
        if account.must_change_password and request.endpoint not in WHILE_CHANGING_PASSWORD:
            return redirect(url_for("account.change_password"))
        return None

    @app.context_processor
    def _actor_context() -> dict[str, Any]:
        return {"actor": g.get("actor")}


def current_actor() -> Actor:
    """The signed-in actor; views behind an access rule always have one."""
    actor = g.get("actor")
    if actor is None:
        abort(401)
    return actor


def sign_in_account(account: Account) -> None:
    """A fresh session on sign-in (no fixation), remembered for the browser session only."""
    session.clear()
    session[SESSION_KEY] = account.id
    session[VERSION_KEY] = account.session_version
    session[SEEN_KEY] = time.time()


def sign_out_account() -> None:
    """Ends this session and every other of the account's: a copied cookie stops working too."""
    actor = g.get("actor")
    if actor is not None:
        end_sessions(get_session(), actor.signed_in_id)
    session.clear()


def _role_required(allowed: Callable[[Actor], bool], rule: str, data: tuple[str, ...]) -> Callable[[F], F]:
    """Signed in and `allowed`, else 403; signed out, to sign-in (and back), or 401 for a data
    address (`data` suffixes), which a script or a download fetches rather than a person."""

    def signed_out() -> Any:
        if request.path.endswith(data):
            abort(401)
        return redirect(url_for("account.sign_in", next=request.full_path.rstrip("?")))

    return access_required(rule, allowed, signed_out)


# The access rule of every registry page: signed in as a registry admin.
registry_admin_required = _role_required(can_manage_registry, "registry_admin", (".json",))
# Dashboard pages: signed in with a dashboard account; which scope it may see is the dashboards'
# own policy (`feedback.dashboards.policies`), checked by the service.
viewer_required = _role_required(lambda actor: actor.role == VIEWER, "viewer", (".json", ".csv", ".xlsx"))


def signed_in(view: F) -> F:
    """Any signed-in account (its own password page)."""
    return access_required("signed_in", lambda _actor: True, _to_sign_in)(view)


def _to_sign_in() -> Any:
    return redirect(url_for("account.sign_in"))
