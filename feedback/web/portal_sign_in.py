"""Signing officials in through the portal (OpenID Connect, Authlib's Flask client): one sign-in
opens both apps. The portal is the provider (`portal/views/oidc.py`); this app is its client
`govcloud-feedback`, with the secret `oidc_client_secret` and the portal at `base_url`.

`/sign-in/portal` sends the browser to the portal's authorize address (state and nonce kept in this
app's session); the portal sends it back to `/sign-in/portal/callback` with a code, which this
server trades for an ID token, checked against the portal's published key
(`feedback.accounts.portal_identity` maps it to an account). Without a client secret (production
that set none) the button is not shown and both routes are 404."""

from __future__ import annotations

from typing import Any

import requests
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Blueprint, Flask, abort, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from core.errors import NotAuthorized
from core.web import get_session, public, safe_next_url
from feedback.accounts.models import VIEWER
from feedback.accounts.portal_identity import identity_from_claims, sign_in_with_portal
from feedback.web.auth import sign_in_account
from feedback.web.security import SIGN_IN_LIMIT, limiter

bp = Blueprint("portal_sign_in", __name__)
CLIENT_ID = "govcloud-feedback"  # as the portal knows this app (portal/views/oidc.py)
NEXT_KEY = "portal_sign_in_next"


def portal_sign_in_enabled() -> bool:
    return bool(current_app.config["GOVCLOUD"].oidc_client_secret)


def init_portal_sign_in(app: Flask) -> None:
    settings = app.config["GOVCLOUD"]
    oauth = OAuth(app)
    # The portal's addresses are known (its discovery document says the same), so sending a browser
    # to it needs no request from this server: only the callback talks to the portal.
    issuer = str(settings.base_url).rstrip("/")
    oauth.register(
        "portal",
        client_id=CLIENT_ID,
        client_secret=settings.oidc_client_secret,
        authorize_url=f"{issuer}/oauth/authorize",
        access_token_url=f"{issuer}/oauth/token",
        jwks_uri=f"{issuer}/oauth/jwks",
        issuer=issuer,
        client_kwargs={"scope": "openid email profile", "timeout": 10},
    )
    app.extensions["portal_oauth"] = oauth
    app.register_blueprint(bp)

    @app.context_processor
    def _portal_sign_in() -> dict[str, Any]:
        return {"portal_sign_in": portal_sign_in_enabled()}


def _client() -> Any:
    return current_app.extensions["portal_oauth"].portal


@bp.get("/sign-in/portal")
@public
@limiter.limit(SIGN_IN_LIMIT)
def start() -> Response:
    if not portal_sign_in_enabled():
        abort(404)
    session[NEXT_KEY] = request.args.get("next", "")
    callback = url_for("portal_sign_in.callback", _external=False)
    base = str(current_app.config["GOVCLOUD"].feedback_base_url).rstrip("/")
    response: Response = _client().authorize_redirect(base + callback)
    return response


@bp.get("/sign-in/portal/callback")
@public
@limiter.limit(SIGN_IN_LIMIT)
def callback() -> Response | tuple[str, int]:
    if not portal_sign_in_enabled():
        abort(404)
    wanted = session.get(NEXT_KEY, "")
    try:
        token = _client().authorize_access_token()
        account = sign_in_with_portal(get_session(), identity_from_claims(token.get("userinfo") or {}))
    except (OAuthError, requests.RequestException):
        error = _("The portal did not sign you in. Try again.")
        return render_template("feedback/account/sign_in.html", error=error, email=""), 401
    except NotAuthorized:
        error = _("Your portal account has no feedback account. Ask a registry admin to create one.")
        return render_template("feedback/account/sign_in.html", error=error, email=""), 403
    sign_in_account(account, through_portal=True)
    home = url_for("dashboards.dashboard") if account.role == VIEWER else url_for("admin.overview")
    return redirect(safe_next_url(wanted, home))
