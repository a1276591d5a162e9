"""The portal as the OpenID Connect provider, spoken to as the feedback app's server speaks to it: a
code for the signed-in user, traded once with the client secret for an ID token signed with the
published key and naming the user, their role and agency; nothing for an unknown redirect address, a
wrong secret or a used code; all of it off when the settings give no key or secret."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs, urlsplit

from joserfc import jwt
from joserfc.jwk import KeySet

from core.actors import Role

CALLBACK = "https://feedback.example.ir/sign-in/portal/callback"


def _authorize(client, redirect_uri: str = CALLBACK, nonce: str = "n-0S6_WzA2Mj"):
    return client.get(
        "/oauth/authorize",
        query_string={
            "response_type": "code",
            "client_id": "govcloud-feedback",
            "redirect_uri": redirect_uri,
            "scope": "openid email profile",
            "state": "st4te",
            "nonce": nonce,
        },
    )


def _trade(client, code: str, secret: str):
    basic = base64.b64encode(f"govcloud-feedback:{secret}".encode()).decode()
    return client.post(
        "/oauth/token",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK},
        headers={"Authorization": f"Basic {basic}"},
    )


def test_a_signed_in_user_gets_a_code_traded_once_for_a_signed_id_token(
    app, settings, make_user, make_agency, sign_in
):
    settings = app.config["GOVCLOUD"] = settings.replace(feedback_base_url="https://feedback.example.ir")
    agency = make_agency()
    user = make_user(Role.agency_admin, agency)
    browser = app.test_client()
    assert _authorize(browser).headers["Location"].startswith("/sign-in?next=")  # signed out: sign in first
    sign_in(browser, user)
    answer = _authorize(browser)
    assert answer.status_code == 302 and answer.headers["Location"].startswith(CALLBACK + "?")
    query = parse_qs(urlsplit(answer.headers["Location"]).query)
    assert query["state"] == ["st4te"]
    code = query["code"][0]

    server = app.test_client()  # the feedback app's server: no cookie
    assert _trade(server, code, "not-the-secret").status_code == 401
    token = _trade(server, code, settings.oidc_client_secret)
    assert token.status_code == 200, token.get_data(as_text=True)
    keys = KeySet.import_key_set(server.get("/oauth/jwks").get_json())
    claims = jwt.decode(token.get_json()["id_token"], keys).claims
    assert (claims["iss"], claims["aud"], claims["nonce"]) == (
        settings.base_url,
        ["govcloud-feedback"],
        "n-0S6_WzA2Mj",
    )
    assert (claims["email"], claims["email_verified"], claims["sub"]) == (user.email, True, str(user.id))
    assert (claims["govcloud_role"], claims["govcloud_agency"]) == ("agency_admin", agency.code)
    again = _trade(server, code, settings.oidc_client_secret)
    assert again.status_code == 400 and again.get_json()["error"] == "invalid_grant"  # used once


def test_an_unknown_redirect_address_is_refused_and_never_followed(app, make_user, sign_in):
    browser = app.test_client()
    sign_in(browser, make_user(Role.overseer))
    answer = _authorize(browser, redirect_uri="https://evil.example/callback")
    assert answer.status_code == 400 and "Location" not in answer.headers


def test_without_a_key_or_a_secret_there_is_no_provider(settings, platform_connection):
    from portal.app import create_app
    from tests.fixtures.databases import savepoint_sessionmaker

    for off in ({"oidc_signing_key": ""}, {"oidc_client_secret": ""}):
        app = create_app(settings.replace(**off), session_factory=savepoint_sessionmaker(platform_connection))
        client = app.test_client()
        assert client.get("/.well-known/openid-configuration").status_code == 404
        assert client.post("/oauth/token", data={"grant_type": "authorization_code"}).status_code == 404


def test_without_a_secret_the_feedback_app_offers_its_password_only(settings, feedback_connection):
    from feedback.web.app import create_app
    from tests.fixtures.databases import savepoint_sessionmaker

    app = create_app(
        settings.replace(oidc_client_secret=""), session_factory=savepoint_sessionmaker(feedback_connection)
    )
    client = app.test_client()
    assert 'id="portal-sign-in"' not in client.get("/sign-in").get_data(as_text=True)
    assert client.get("/sign-in/portal").status_code == 404
    assert 'id="portal-sign-in"' in create_app(
        settings, session_factory=savepoint_sessionmaker(feedback_connection)
    ).test_client().get("/sign-in").get_data(as_text=True)
