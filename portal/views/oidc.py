"""The portal as an OpenID Connect provider (Authlib), so officials sign in once: the feedback app
sends them here, and a signed-in portal user goes straight back with a code the feedback app trades
(with its client secret) for an ID token naming the user, their role and their agency.

One client, the feedback app, configured by settings rather than registered: its redirect address is
`feedback_base_url` + `/sign-in/portal/callback`, its secret `oidc_client_secret`. It is the
platform's own app, so there is no consent screen. Codes live a minute in `sign_in_codes` (as
digests) and are used once; the portal issues no access token anything accepts (the feedback app
reads the ID token only). Without a signing key or a client secret (production that set neither),
these routes answer 404 and the feedback app offers only its own password sign-in."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import time
from functools import cache
from typing import Any, ClassVar
from urllib.parse import urlsplit

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import ClientMixin, grants
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from flask import Blueprint, Flask, abort, current_app, jsonify, request
from joserfc.jwk import RSAKey
from sqlalchemy import delete, select
from werkzeug.wrappers import Response

from core.db import utcnow
from core.web import DEFAULT_CSP, get_session, public
from portal.accounts.models import SignInCode, User
from portal.auth import current_user, signed_in

bp = Blueprint("oidc", __name__)
CLIENT_ID = "govcloud-feedback"
CALLBACK_PATH = "/sign-in/portal/callback"
SCOPES = ("openid", "email", "profile")
CODE_SECONDS = 60
ID_TOKEN_SECONDS = 300


def _settings() -> Any:
    return current_app.config["GOVCLOUD"]


def _enabled() -> bool:
    return bool(_settings().oidc_signing_key and _settings().oidc_client_secret)


def _issuer() -> str:
    return str(_settings().base_url).rstrip("/")


@cache
def _key(pem: str) -> RSAKey:
    key = RSAKey.import_key(pem)
    key.ensure_kid()
    return key


class FeedbackApp(ClientMixin):
    """The one client: the feedback app, as the settings describe it."""

    def __init__(self, secret: str, redirect_uri: str) -> None:
        self.secret, self.redirect_uri = secret, redirect_uri

    def get_client_id(self) -> str:
        return CLIENT_ID

    def get_default_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_allowed_scope(self, scope: str) -> str:
        return " ".join(s for s in (scope or "").split() if s in SCOPES)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri == self.redirect_uri

    def check_client_secret(self, client_secret: str) -> bool:
        return hmac.compare_digest(client_secret.encode(), self.secret.encode())

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return endpoint != "token" or method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


class _Code:
    """A stored code as Authlib's grant reads it."""

    def __init__(self, row: SignInCode) -> None:
        self.row = row

    def get_redirect_uri(self) -> str:
        return self.row.redirect_uri

    def get_scope(self) -> str:
        return self.row.scope

    def get_nonce(self) -> str | None:
        return self.row.nonce

    def get_auth_time(self) -> int:
        return self.row.auth_time

    def get_acr(self) -> None:
        return None

    def get_amr(self) -> None:
        return None

    def is_expired(self) -> bool:
        expires = self.row.expires_at
        expires = expires if expires.tzinfo else expires.replace(tzinfo=dt.UTC)  # SQLite: naive UTC
        return expires < utcnow()


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


class CodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = ["client_secret_basic", "client_secret_post"]

    def save_authorization_code(self, code: str, request: Any) -> None:
        session = get_session()
        session.execute(delete(SignInCode).where(SignInCode.expires_at < utcnow()))
        session.add(
            SignInCode(
                digest=_digest(code),
                client_id=CLIENT_ID,
                user_id=request.user.id,
                redirect_uri=request.payload.redirect_uri or "",
                scope=request.payload.scope or "",
                nonce=request.payload.data.get("nonce"),
                auth_time=int(time.time()),
                expires_at=utcnow() + dt.timedelta(seconds=CODE_SECONDS),
            )
        )
        session.commit()

    def query_authorization_code(self, code: str, client: FeedbackApp) -> _Code | None:
        row = get_session().get(SignInCode, _digest(code))
        if row is None or row.client_id != client.get_client_id():
            return None
        found = _Code(row)
        return None if found.is_expired() else found

    def delete_authorization_code(self, authorization_code: _Code) -> None:
        session = get_session()
        session.delete(authorization_code.row)
        session.commit()

    def authenticate_user(self, authorization_code: _Code) -> User | None:
        user = get_session().get(User, authorization_code.row.user_id)
        return user if user is not None and user.active else None


class IdToken(OpenIDCode):
    def exists_nonce(self, nonce: str, request: Any) -> bool:
        return (
            get_session().scalar(
                select(SignInCode.digest).where(SignInCode.nonce == nonce, SignInCode.client_id == CLIENT_ID)
            )
            is not None
        )

    def resolve_client_private_key(self, client: Any) -> RSAKey:
        return _key(_settings().oidc_signing_key)

    def get_client_algorithm(self, client: Any) -> str:
        return "RS256"

    def get_client_claims(self, client: Any) -> dict[str, Any]:
        return {"iss": _issuer(), "aud": [CLIENT_ID], "exp": int(time.time()) + ID_TOKEN_SECONDS}

    def get_encode_header(self, client: Any) -> dict[str, Any]:
        return {"alg": "RS256", "kid": _key(_settings().oidc_signing_key).kid}

    def generate_user_info(self, user: User, scope: str) -> UserInfo:
        """The claims the feedback app maps: who (e-mail), and the portal role and agency."""
        info = UserInfo(sub=str(user.id), email=user.email, email_verified=True, name=user.name or user.email)
        info["govcloud_role"] = str(user.role.value)
        info["govcloud_agency"] = user.agency.code if user.agency is not None else ""
        return info


def _server() -> AuthorizationServer:
    server: AuthorizationServer = current_app.extensions["oidc_server"]
    return server


def init_oidc(app: Flask) -> None:
    from portal.security import csrf

    def query_client(client_id: str) -> FeedbackApp | None:
        settings = current_app.config["GOVCLOUD"]
        if client_id != CLIENT_ID or not settings.oidc_client_secret:
            return None
        callback = str(settings.feedback_base_url).rstrip("/") + CALLBACK_PATH
        return FeedbackApp(settings.oidc_client_secret, callback)

    def save_token(_token: dict[str, Any], _request: Any) -> None:
        """Nothing to keep: no route of either app accepts the access token."""

    server = AuthorizationServer(app, query_client=query_client, save_token=save_token)
    server.register_grant(CodeGrant, [IdToken(require_nonce=True)])
    app.extensions["oidc_server"] = server
    app.register_blueprint(bp)
    csrf.exempt(bp)  # the token endpoint is called by the feedback server with its secret

    @app.after_request
    def _sign_in_may_return_to_feedback(response: Response) -> Response:
        """The sign-in form's redirects end at the feedback app when it sent the user here, and a
        browser holds a form's redirects to its page's `form-action`: that page alone also names
        the feedback app's origin."""
        if request.endpoint == "account.sign_in" and _enabled():
            parts = urlsplit(str(_settings().feedback_base_url))
            origin = f"{parts.scheme}://{parts.netloc}"
            response.headers["Content-Security-Policy"] = DEFAULT_CSP.replace(
                "form-action 'self'", f"form-action 'self' {origin}", 1
            )
        return response


@bp.get("/.well-known/openid-configuration")
@public
def discovery() -> Response:
    if not _enabled():
        abort(404)
    issuer = _issuer()
    return jsonify(
        issuer=issuer,
        authorization_endpoint=f"{issuer}/oauth/authorize",
        token_endpoint=f"{issuer}/oauth/token",
        jwks_uri=f"{issuer}/oauth/jwks",
        response_types_supported=["code"],
        grant_types_supported=["authorization_code"],
        subject_types_supported=["public"],
        id_token_signing_alg_values_supported=["RS256"],
        scopes_supported=list(SCOPES),
        token_endpoint_auth_methods_supported=CodeGrant.TOKEN_ENDPOINT_AUTH_METHODS,
        claims_supported=["sub", "email", "email_verified", "name", "govcloud_role", "govcloud_agency"],
    )


@bp.get("/oauth/jwks")
@public
def jwks() -> Response:
    if not _enabled():
        abort(404)
    return jsonify(keys=[_key(_settings().oidc_signing_key).as_dict(private=False)])


@bp.get("/oauth/authorize")
@signed_in
def authorize() -> Response:
    """A signed-in user goes straight back to the feedback app; a signed-out one signs in first
    (`signed_in` sends them to the sign-in page and back here)."""
    if not _enabled():
        abort(404)
    server, user = _server(), current_user()
    try:
        grant = server.get_consent_grant(end_user=user)
    except OAuth2Error as error:  # an unknown app or address: never redirect there
        return Response(f"{error.error}: {error.description or ''}", status=400, mimetype="text/plain")
    response: Response = server.create_authorization_response(grant_user=user, grant=grant)
    return response


@bp.post("/oauth/token")
@public
def token() -> Response:
    if not _enabled():
        abort(404)
    response: Response = _server().create_token_response()
    return response
