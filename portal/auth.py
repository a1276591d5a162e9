"""Who is asking, and may they: the actor for each request and the routes' access decorators.

A request is signed in by the session cookie (pages) or by `Authorization: Bearer <token>`
(the API). On the API the cookie counts only for reading: writes need a token, so a page on
another site can never make a signed-in browser change anything.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, abort, current_app, g, jsonify, redirect, request, session, url_for

from core.account_pages import begin_session, init_session_lifetime, session_is_current
from core.actors import Actor, Role
from core.ratelimit import address_prefix
from core.web import access_required, get_session, safe_next_url
from portal.accounts import services as accounts
from portal.accounts.models import User

F = TypeVar("F", bound=Callable[..., Any])
SESSION_KEY = "user_id"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
# What a user who must change their password may still reach.
WHILE_CHANGING_PASSWORD = {"account.change_password", "account.sign_out", "static", "health.healthz"}


def init_auth(app: Flask) -> None:
    init_session_lifetime(app)

    @app.before_request
    def _load_actor() -> Any:
        g.user = None
        g.actor = None
        if request.endpoint == "static":  # CSS, fonts, scripts: nobody to look up
            return
        user = _user_from_bearer() or _user_from_session()
        if user is not None:
            g.user = user
            g.actor = accounts.actor_for(get_session(), user)
            if user.must_change_password and request.endpoint not in WHILE_CHANGING_PASSWORD:
                if _is_api():
                    abort(403)
                return redirect(url_for("account.change_password"))
        return None

    @app.context_processor
    def _auth_context() -> dict[str, Any]:
        return {"current_user": g.get("user"), "current_actor": g.get("actor"), "Role": Role}


def _is_api() -> bool:
    return request.path.startswith("/api/")


def _user_from_bearer() -> User | None:
    header = request.headers.get("Authorization", "")
    if not header.lower().startswith("bearer "):
        return None
    return accounts.user_for_token(get_session(), header[7:].strip())


def _user_from_session() -> User | None:
    """The session's user while the user is active and the session current
    (`core.account_pages.session_is_current`: not ended on the server, not idle, not too old)."""
    user_id = session.get(SESSION_KEY)
    if user_id is None or (_is_api() and request.method not in SAFE_METHODS):
        return None
    user = accounts.get_user(get_session(), user_id)
    if user is None or not user.active:
        session.clear()
        return None
    return user if session_is_current(user.session_version) else None


def sign_in_user(user: User) -> None:
    begin_session(SESSION_KEY, user.id, user.session_version, permanent=True)


def sign_out_user() -> None:
    """Ends this session and every other of the user's: a copied cookie stops working too."""
    user = g.get("user")
    if user is not None:
        accounts.end_sessions(get_session(), user.id)
    session.clear()


def client_network() -> str:
    """The client's network for sign-in throttling (an IPv6 /64, the configured IPv4 prefix)."""
    prefix = current_app.config["GOVCLOUD"].client_ipv4_prefix
    return address_prefix(request.remote_addr or "", ipv4_prefix=prefix)


def network_key() -> str:
    """Flask-Limiter key of `client_network`, beside the per-address key: addresses rotated inside
    one IPv6 /64 share one sign-in budget (spraying many accounts gains nothing from rotation)."""
    return "net:" + client_network()


def current_user() -> User:
    """The signed-in user; views behind @signed_in or @roles always have one."""
    user = g.get("user")
    if user is None:
        abort(401)
    return user


def current_actor() -> Actor:
    """The signed-in actor; views behind @signed_in or @roles always have one."""
    actor = g.get("actor")
    if actor is None:
        abort(401)
    return actor


def safe_next(target: str | None) -> str:
    """Only same-site paths: never redirect to another host after sign-in (core.web.safe_next_url)."""
    return safe_next_url(target, url_for("home.index"))


def _unauthenticated() -> Any:
    if _is_api():
        response = jsonify(error={"code": "unauthorized", "message": "a bearer token is required"})
        response.status_code = 401
        response.headers["WWW-Authenticate"] = 'Bearer realm="govcloud"'
        return response
    return redirect(url_for("account.sign_in", next=request.full_path.rstrip("?")))


def signed_in(view: F) -> F:
    """Any signed-in user (each view still scopes what it shows to the actor's agencies)."""
    return access_required("signed_in", lambda _actor: True, _unauthenticated)(view)


def roles(*allowed: Role) -> Callable[[F], F]:
    """Signed in with one of these roles; anyone else signed in gets 403."""
    return access_required(
        "roles:" + ",".join(sorted(allowed)), lambda actor: actor.role in allowed, _unauthenticated
    )
