"""The one "safe next URL" rule of both apps, against a WHATWG URL parser (what browsers do):
whatever `next` a link carries, the redirect after sign-in stays on this site (issues 15 and 22)."""

from __future__ import annotations

import pytest
from ada_url import URL
from hypothesis import example, given, settings
from hypothesis import strategies as st

from core.web import safe_next_url

BASE = "https://portal.gov.example/sign-in?next=x"
ORIGIN = "https://portal.gov.example"
HOME = "/"
# the characters browsers treat specially in a URL, plus a few ordinary ones, so that Hypothesis
# builds nasty shapes often; and then any text at all
TRICKY = st.text(alphabet="/\\:@.?#%\t\n\r\x00 \x0c\x1f\x7fe-vil.example\u3000\uff0f\u2215")
ANY_NEXT = st.one_of(TRICKY, st.text(), st.from_regex(r"\A/[\x00-\x7f]{0,20}\Z"))


@given(ANY_NEXT)
@settings(max_examples=3000, deadline=None)
@example("/\\evil.example")
@example("/\\/evil.example")
@example("/\t/evil.example")
@example("/\n/evil.example")
@example(" //evil.example")
@example("\x00//evil.example")
@example("https:evil.example")
@example("https://evil.example/")
@example("//evil.example")
@example("/%5c%5cevil.example")
@example("javascript:alert(1)")
def test_the_redirect_always_stays_on_this_site(target):
    chosen = safe_next_url(target, HOME)
    resolved = URL(chosen, BASE)
    assert resolved.origin == ORIGIN, (target, chosen, resolved.href)
    assert chosen in (target, HOME)


@pytest.mark.parametrize(
    "target",
    [
        "/",
        "/services?agency=ITO&page=2",
        "/programs/1/dashboard#matrix",
        "/%D8%AE%D8%AF%D9%85%D8%A7%D8%AA",
        "/خدمات",
    ],
)
def test_a_path_of_this_site_is_kept(target):
    assert safe_next_url(target, HOME) == target


@pytest.mark.parametrize(
    "target",
    ["/\\evil.example", "/\t/evil.example", "//evil.example", "https://evil.example", "", None, "x" * 3000],
)
def test_anything_else_goes_home(target):
    assert safe_next_url(target, HOME) == HOME


def test_both_apps_send_a_hostile_next_home_after_sign_in(client, make_user, feedback_app, feedback_session):
    from core.actors import Role
    from tests.fixtures.accounts import PASSWORD
    from tests.fixtures.feedback import ADMIN_EMAIL, ADMIN_PASSWORD, create_admin, csrf_token, fresh_address
    from tests.fixtures.web import csrf_token_from

    user = make_user(Role.overseer)
    token = csrf_token_from(client.get("/sign-in").get_data(as_text=True))
    response = client.post(
        "/sign-in?next=/%5Cevil.example",
        data={"email": user.email, "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302 and response.headers["Location"] == "/"
    create_admin(feedback_session)
    feedback = feedback_app.test_client()
    address = {"REMOTE_ADDR": fresh_address()}
    page = feedback.get("/sign-in", environ_base=address)
    response = feedback.post(
        "/sign-in?next=/%09/evil.example",
        data={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD, "csrf_token": csrf_token(page.text)},
        environ_base=address,
    )
    assert response.status_code == 302
    assert URL(response.headers["Location"], "https://feedback.gov.example/").origin == (
        "https://feedback.gov.example"
    )
