"""Who is asking, and may they: the actor for each request and the routes' access decorators.

A request is signed in by the session cookie (pages) or by `Authorization: Bearer <token>`
(the API). On the API the cookie counts only for reading: writes need a token, so a page on
another site can never make a signed-in browser change anything.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Flask, abort, g, jsonify, redirect, request, session, url_for

from core.actors import Actor, Role
from core.web import access_required, get_session
from portal.accounts import services as accounts
from portal.accounts.models import User

F = TypeVar("F", bound=Callable[..., Any])
SESSION_KEY = "user_id"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def init_auth(app: Flask) -> None:
    @app.before_request
    def _load_actor() -> None:
        g.user = None
        g.actor = None
        if request.endpoint == "static":  # CSS, fonts, scripts: nobody to look up
            return
        user = _user_from_bearer() or _user_from_session()
        if user is not None:
            g.user = user
            g.actor = accounts.actor_for(get_session(), user)

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
    user_id = session.get(SESSION_KEY)
    if user_id is None or (_is_api() and request.method not in SAFE_METHODS):
        return None
    user = accounts.get_user(get_session(), user_id)
    if user is None or not user.active:
        session.pop(SESSION_KEY, None)
        return None
    return user


def sign_in_user(user: User) -> None:
    session.clear()  # a new session on sign-in: no fixation
    session[SESSION_KEY] = user.id
    session.permanent = True


def sign_out_user() -> None:
    session.clear()


def current_user() -> User | None:
    return g.get("user")


def current_actor() -> Actor:
    """The signed-in actor; views behind @signed_in or @roles always have one."""
    actor = g.get("actor")
    if actor is None:
        abort(401)
    return actor


def safe_next(target: str | None) -> str:
    """Only same-site paths: never redirect to another host after sign-in."""
    if not target:
        return url_for("home.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("home.index")
    return target


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
