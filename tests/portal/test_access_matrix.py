"""Walks every route for every kind of actor (see access_matrix.py for how areas add theirs)."""

from __future__ import annotations

import pytest

from tests.fixtures.web import csrf_token_from
from tests.portal.access_matrix import ACTORS, CASES, build_world, load_area_cases

load_area_cases()


@pytest.fixture
def world(db_session, make_agency, make_user):
    return build_world(db_session, make_agency, make_user)


def test_every_route_is_in_the_matrix(app):
    missing = sorted(
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static" and rule.endpoint not in CASES
    )
    assert missing == [], "add these routes to the role matrix"


def test_every_route_answers_each_actor_as_expected(app, world, platform_connection, sign_in, api_headers):
    """One world, every case, every actor; each request's changes are rolled back before the next, and
    every mismatch is reported at once."""
    cookies, tokens = {}, {}
    for actor, user in world.actors.items():
        client = app.test_client()
        # each official signs in from their own desk: one address would meet the sign-in limit
        client.environ_base["REMOTE_ADDR"] = f"198.51.100.{ACTORS.index(actor) + 1}"
        sign_in(client, user)
        cookies[actor] = client.get_cookie("session").value
        tokens[actor] = api_headers(user)
    mismatches = []
    for endpoint, cases in sorted(CASES.items()):
        for case in cases:
            path = case.path(world)
            answers = {}
            for actor in ACTORS:
                client = app.test_client()
                client.environ_base["REMOTE_ADDR"] = f"198.51.100.{ACTORS.index(actor) + 1}"
                headers = {}
                if actor in cookies:
                    if path.startswith("/api/"):
                        headers = dict(tokens[actor])
                    else:
                        client.set_cookie("session", cookies[actor])
                if case.headers:
                    headers.update(case.headers(world))
                savepoint = platform_connection.begin_nested()
                try:
                    if case.form is not None:
                        form = dict(case.form(world))
                        form["csrf_token"] = csrf_token_from(client.get("/sign-in").get_data(as_text=True))
                        response = client.open(
                            path, method=case.method, data=form, headers=headers, buffered=True
                        )
                    else:
                        body = case.json(world) if case.json else None
                        # buffered: a streamed export is read whole, as a browser would, inside the savepoint
                        response = client.open(
                            path, method=case.method, json=body, headers=headers, buffered=True
                        )
                    answers[actor] = response.status_code
                finally:
                    savepoint.rollback()
            if answers != case.expected:
                wrong = {
                    a: f"{answers[a]} (expected {case.expected[a]})"
                    for a in ACTORS
                    if answers[a] != case.expected[a]
                }
                mismatches.append(f"{endpoint} {case.method} {path}: {wrong}")
    assert mismatches == []
