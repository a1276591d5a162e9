"""The portal as the OpenID Connect provider in the role matrix: its discovery document and key set
are public; the authorize address needs a signed-in user (a request naming no known app is refused
with 400, never redirected); the token endpoint answers the feedback server's secret, not a session
(without a code it is 400 for everyone)."""

from __future__ import annotations

from tests.portal.access_matrix import PUBLIC, Case, add, expect

add("oidc.discovery", Case("GET", lambda w: "/.well-known/openid-configuration", PUBLIC))
add("oidc.jwks", Case("GET", lambda w: "/oauth/jwks", PUBLIC))
add("oidc.authorize", Case("GET", lambda w: "/oauth/authorize?client_id=nobody", expect(400, anonymous=302)))
add(
    "oidc.token",
    Case("POST", lambda w: "/oauth/token", expect(400), form=lambda w: {"grant_type": "password"}),
)
