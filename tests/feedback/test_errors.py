"""Every error status is a proper response in the feedback app too (issue 15)."""

from __future__ import annotations

from tests.fixtures.web import wrong_method_requests


def test_every_route_answers_a_wrong_method_with_405_and_allow(feedback_app, admin_client):
    requests = wrong_method_requests(feedback_app)
    assert requests, "the walk found no route to try"
    wrong = []
    for method, path, allowed in requests:
        response = admin_client.open(f"{path}?lang=en", method=method)
        got = {m.strip() for m in response.headers.get("Allow", "").split(",") if m.strip()}
        if (
            response.status_code != 405
            or got != allowed
            or "This action is not allowed here." not in response.text
        ):
            wrong.append((method, path, response.status_code, sorted(got)))
    assert wrong == []


def test_an_employee_scope_beyond_any_id_is_a_client_error(feedback_app, feedback_session):
    """Issue 22: `employee:<huge>` reached PostgreSQL as an integer overflow (500)."""
    from tests.feedback.dashboard_helpers import viewer_client

    client = viewer_client(feedback_app, feedback_session, "nation")
    for scope in ("employee:99999999999999999999", "employee:2147483648", "employee:۱۲", "employee:²"):
        for path in ("/dashboard", "/dashboard/live.json", "/dashboard/export.csv"):
            response = client.get(path, query_string={"scope": scope})
            assert 400 <= response.status_code < 500, (path, scope, response.status_code)
