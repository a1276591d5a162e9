"""Every page of the portal through axe-core in real Chromium, in Persian and in English, for the
anonymous visitor and each role: no serious or critical violation.

The pages are the role matrix's (every route of the URL map, with the ids of its seeded world), so a
new page is checked as soon as it is in the matrix. One browser, one context per role, one server on
the test's rolled-back transaction.
"""

from __future__ import annotations

import pytest

from core.web import LOCALES
from tests.fixtures.axe import violations_in_each_language
from tests.fixtures.web import LiveServer
from tests.portal.access_matrix import CASES, build_world, load_area_cases

# a walk of every page in two languages for each role: minutes on a loaded two-core machine
pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]

load_area_cases()

ROLES = ("anonymous", "platform_admin", "overseer", "own_admin", "own_member")
NOT_PAGES = ("/api/v1/", "/metrics", "/healthz", "/readyz", "/.well-known/", "/oauth/jwks")
CHECKED_STATUSES = (200, 403, 404)


def _pages_for(world, actor: str) -> list[tuple[str, int]]:
    """(path, status) of each GET route this actor is expected to be shown a page at; an error page
    (403, 404) once per status, as they share one template, and a route's page once (the matrix also
    walks it on a sub-agency's object, the same template)."""
    pages, statuses, shown = [], set(), set()
    for endpoint, cases in sorted(CASES.items()):
        for case in cases:
            path = case.path(world)
            expected = case.expected[actor]
            if case.method != "GET" or expected not in CHECKED_STATUSES:
                continue
            if path.startswith(NOT_PAGES) and path != "/api/v1/docs":
                continue
            if expected in statuses if expected != 200 else endpoint in shown:
                continue
            if expected == 200:
                shown.add(endpoint)
            statuses.add(expected)
            pages.append((path, expected))
    return pages


def test_every_portal_page_has_no_serious_accessibility_violation(
    app, browser, db_session, make_agency, make_user, sign_in
):
    world = build_world(db_session, make_agency, make_user)
    found: list[str] = []
    checked = 0
    with LiveServer(app, threaded=False) as server:
        for actor in ROLES:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            if actor != "anonymous":
                client = app.test_client()
                sign_in(client, world.actors[actor])
                cookie = client.get_cookie("session").value
                context.add_cookies([{"name": "session", "value": cookie, "url": server.url}])
            page = context.new_page()
            for path, status in _pages_for(world, actor):
                answer = context.request.get(server.url + path, max_redirects=0)
                if answer.status != status or "text/html" not in answer.headers.get("content-type", ""):
                    continue  # a download or JSON; a wrong status is the role matrix's to report
                found += [f"{actor} {v}" for v in violations_in_each_language(page, server.url + path)]
                checked += len(LOCALES)
            context.close()
    assert checked > 50, checked  # the walk really reached the pages
    assert found == [], "\n".join(found)
