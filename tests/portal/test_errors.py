"""Every error status is a proper response, on pages and in the API (issue 15: wrong methods gave 500)."""

from __future__ import annotations

from tests.fixtures.web import wrong_method_requests


def test_every_route_answers_a_wrong_method_with_405_and_allow(app, client, make_user, sign_in):
    from core.actors import Role

    sign_in(client, make_user(Role.platform_admin))
    requests = wrong_method_requests(app)
    paths = {(method, path) for method, path, _allowed in requests}
    assert {
        ("GET", "/migration/data-centers"),
        ("GET", "/migration/workloads"),
        ("PATCH", "/programs/1"),
    } <= paths
    wrong = []
    for method, path, allowed in requests:
        response = client.open(path, method=method)
        got = {m.strip() for m in response.headers.get("Allow", "").split(",") if m.strip()}
        if response.status_code != 405 or got != allowed:
            wrong.append((method, path, response.status_code, sorted(got)))
    assert wrong == []
