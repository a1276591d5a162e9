"""Who is asking, and may they: the signed-in account's actor for each request and the routes'
access decorators, as `portal/auth.py` for the platform (the sign-in pages are `account.py`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, abort, g, redirect, request, session, url_for

from core.account_pages import begin_session, init_session_lifetime, session_is_current
from core.actors import Actor
from core.web import access_required, get_session
from feedback.accounts.actors import actor_for
from feedback.accounts.models import VIEWER, Account
from feedback.accounts.policies import can_manage_registry, can_manage_whole_registry, can_view_coverage
from feedback.accounts.services import dummy_hash, end_sessions, get_active_account

F = TypeVar("F", bound=Callable[..., Any])
SESSION_KEY = "feedback_account_id"
THROUGH_PORTAL_KEY = "feedback_through_portal"
# What an account that must change its password may still reach.
WHILE_CHANGING_PASSWORD = {"account.change_password", "account.sign_out", "static"}


def init_auth(app: Flask) -> None:
    init_session_lifetime(app)
    dummy_hash()  # now, so the first sign-in with an unknown e-mail is no slower than the others

    @app.before_request
    def _load_actor() -> Any:
        """The session's account while it is active and the session current
        (`core.account_pages.session_is_current`: not ended on the server, not idle, not too old)."""
        g.actor = None
        account_id = session.get(SESSION_KEY)
        if account_id is None:
            return None
        account = get_active_account(get_session(), int(account_id))
        if account is None:
            session.clear()
            return None
        if not session_is_current(account.session_version):
            return None
        g.actor = actor_for(account)
        # A session begun through the portal used no password of this app: a first password still to
        # be changed stays unusable for the password form (it expires), but does not hold this one.
        g.must_change_password = account.must_change_password and not session.get(THROUGH_PORTAL_KEY)
        if g.must_change_password and request.endpoint not in WHILE_CHANGING_PASSWORD:
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


def sign_in_account(account: Account, *, through_portal: bool = False) -> None:
    """A fresh session on sign-in (no fixation), remembered for the browser session only;
    `through_portal`: the portal vouched for the official (no password of this app was typed)."""
    begin_session(SESSION_KEY, account.id, account.session_version, permanent=False)
    if through_portal:
        session[THROUGH_PORTAL_KEY] = True


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


# The access rule of every registry page: signed in as a registry account (a place-scoped one sees
# its place only: the services narrow each query and refuse the rest as "not found").
registry_admin_required = _role_required(can_manage_registry, "registry_admin", (".json",))
# What is national (dashboard and registry accounts, the audit trail, the survey's questions): a
# registry admin without a place; a place-scoped one is refused (403).
national_registry_required = _role_required(can_manage_whole_registry, "national_registry_admin", (".json",))
# Dashboard pages: signed in with a dashboard account; which scope it may see is the dashboards'
# own policy (`feedback.dashboards.policies`), checked by the service.
viewer_required = _role_required(lambda actor: actor.role == VIEWER, "viewer", (".json", ".csv", ".xlsx"))
# The rollout's coverage: registry admins and dashboard accounts (each narrowed to its own scope by
# `feedback.registry.coverage`; a unit's desks by `can_check_unit`).
coverage_required = _role_required(can_view_coverage, "coverage", (".csv", ".xlsx"))


def signed_in(view: F) -> F:
    """Any signed-in account (its own password page)."""
    return access_required("signed_in", lambda _actor: True, _to_sign_in)(view)


def _to_sign_in() -> Any:
    return redirect(url_for("account.sign_in"))
