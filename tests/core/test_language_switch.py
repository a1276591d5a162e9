"""The language switch keeps the page: its path, scope and filters, only the language changes (issue 15)."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qsl, urlsplit

from core.actors import Role


def _switch_link(body: str) -> str:
    match = re.search(r'<a class="lang" href="([^"]*)"', body)
    assert match, "the page has no language switch"
    return html.unescape(match.group(1))


def test_the_portal_switch_keeps_path_and_filters(client, make_user, sign_in):
    sign_in(client, make_user(Role.platform_admin))
    page = client.get("/services?maturity=4&channel=web&q=%D9%85%D8%A7%D9%84%DB%8C%D8%A7%D8%AA&page=2")
    link = _switch_link(page.get_data(as_text=True))
    assert link.startswith("?")  # relative: the same path
    assert parse_qsl(urlsplit(link).query) == [
        ("maturity", "4"),
        ("channel", "web"),
        ("q", "مالیات"),
        ("page", "2"),
        ("lang", "en"),
    ]
    english = client.get("/services" + link)
    assert english.status_code == 200
    back = _switch_link(english.get_data(as_text=True))
    assert dict(parse_qsl(urlsplit(back).query)) == {
        "maturity": "4",
        "channel": "web",
        "q": "مالیات",
        "page": "2",
        "lang": "fa",
    }


def test_the_dashboard_switch_keeps_the_scope_and_period(feedback_app, feedback_session):
    from tests.feedback.dashboard_helpers import viewer_client

    client = viewer_client(feedback_app, feedback_session, "nation")
    page = client.get("/dashboard?scope=province:IR-23&days=7")
    assert page.status_code == 200
    link = _switch_link(page.get_data(as_text=True))
    assert dict(parse_qsl(urlsplit(link).query)) == {"scope": "province:IR-23", "days": "7", "lang": "en"}
