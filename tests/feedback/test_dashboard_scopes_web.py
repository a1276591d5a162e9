"""Every dashboard route, for every kind of dashboard account, against its own scope and another:
200 (or the redirect after a form) inside, 404 outside, 403 where the account kind has no business.
A route added to the dashboard blueprints without a row in EXPECTED fails here."""

from __future__ import annotations

import pytest
from flask import url_for

from core.actors import SYSTEM
from feedback.accounts.services import create_viewer
from feedback.dashboards.models import Alert, AlertSubscription
from tests.feedback.dashboard_helpers import (
    PASSWORD,
    UNIT,
    add_flagged,
    add_report,
    add_responses,
    viewer_client,
)
from tests.fixtures.feedback import create_admin, csrf_token, sign_in

OWN = {
    "nation": "nation",
    "province": "province:IR-23",
    "agency": "agency:ITO",
    "unit": f"unit:ITO/{UNIT}",
}
OTHER = {
    "nation": "province:IR-00",  # below the nation: still its own
    "province": "province:IR-00",
    "agency": "agency:SSO",
    "unit": "unit:ITO/اداره مالی",
}
SCOPED_PAGES = {
    "dashboards.dashboard",
    "dashboards.live",
    "dashboards.export_csv",
    "dashboards.export_xlsx",
    "comments.comment_list",
    "comments.comments_csv",
    "comments.comments_xlsx",
}
# endpoint → account kind → (status for its own target, status for the other target)
EXPECTED = {
    **{
        endpoint: {"nation": (200, 200), "province": (200, 404), "agency": (200, 404), "unit": (200, 404)}
        for endpoint in SCOPED_PAGES
    },
    "dashboard_work.report_list": {
        "nation": (200, 200),
        "province": (200, 200),
        "agency": (200, 200),
        "unit": (403, 403),
    },
    "dashboard_work.report_status": {
        "nation": (302, 302),
        "province": (302, 404),
        "agency": (302, 404),
        "unit": (403, 403),
    },
    "dashboard_work.report_detail": {
        "nation": (200, 200),
        "province": (200, 404),
        "agency": (200, 404),
        "unit": (403, 403),
    },
    "dashboard_work.report_photo": {  # the seeded reports carry no photo: not found, but never 403/200
        "nation": (404, 404),
        "province": (404, 404),
        "agency": (404, 404),
        "unit": (403, 403),
    },
    "dashboard_work.report_assign": {
        "nation": (302, 302),
        "province": (302, 404),
        "agency": (302, 404),
        "unit": (403, 403),
    },
    "dashboard_work.alert_list": {
        "nation": (200, 200),
        "province": (200, 200),
        "agency": (200, 200),
        "unit": (200, 200),
    },
    "dashboard_work.subscribe": {
        "nation": (302, 302),
        "province": (302, 302),
        "agency": (302, 302),
        "unit": (302, 302),
    },
    "comments.flagged_list": {
        "nation": (200, 200),
        "province": (200, 200),
        "agency": (200, 200),
        "unit": (403, 403),
    },
    "comments.review": {
        "nation": (302, 302),
        "province": (302, 404),
        "agency": (302, 404),
        "unit": (403, 403),
    },
    "dashboard_work.acknowledge": {
        "nation": (302, 404),
        "province": (302, 404),
        "agency": (302, 404),
        "unit": (302, 404),
    },
}
BLUEPRINTS = ("dashboards.", "dashboard_work.", "comments.")


def _alert(session, account_id: int) -> int:
    subscription = AlertSubscription(
        account_id=account_id, unit_key=f"ITO/{UNIT}", kind="low_responses", threshold=10, window_days=7
    )
    session.add(subscription)
    session.flush()
    alert = Alert(subscription_id=subscription.id, value=1, count=1)
    session.add(alert)
    session.commit()
    return alert.id


def _dashboard_rules(app):
    return sorted(
        (rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith(BLUEPRINTS)),
        key=lambda r: r.endpoint,
    )


def test_every_dashboard_route_has_an_expectation(feedback_app):
    assert {rule.endpoint for rule in _dashboard_rules(feedback_app)} == set(EXPECTED)


@pytest.mark.parametrize("kind", list(OWN))
def test_each_account_kind_sees_its_scope_only_on_every_route(feedback_app, feedback_session, kind):
    add_responses(feedback_session, 1, (4, 4, 4, 4), 6)
    client = viewer_client(feedback_app, feedback_session, OWN[kind])
    own_report = add_report(feedback_session, "سازمان فناوری اطلاعات ایران", "IR-23").id
    other_report = add_report(feedback_session, "سازمان تأمین اجتماعی", "IR-00").id
    stranger = create_viewer(
        feedback_session, SYSTEM, f"other-{kind}@viewer.example.ir", PASSWORD, OTHER["unit"]
    )
    own_alert = _alert(feedback_session, client.account.id)
    other_alert = _alert(feedback_session, stranger.id)
    own_flagged = add_flagged(feedback_session)
    other_flagged = add_flagged(feedback_session, "SSO", "IR-00", "اداره مالی")
    token = csrf_token(client.get("/dashboard/reports" if kind != "unit" else "/dashboard/alerts").text)

    for rule in _dashboard_rules(feedback_app):
        for target, expected in zip(("own", "other"), EXPECTED[rule.endpoint][kind], strict=True):
            scope = OWN[kind] if target == "own" else OTHER[kind]
            args = {}
            if "report_id" in rule.arguments:
                args["report_id"] = own_report if target == "own" else other_report
            if "alert_id" in rule.arguments:
                args["alert_id"] = own_alert if target == "own" else other_alert
            if "response_id" in rule.arguments:
                args["response_id"] = own_flagged if target == "own" else other_flagged
            with feedback_app.test_request_context():
                url = url_for(rule.endpoint, **args)
            if "POST" in rule.methods:
                data = {
                    "csrf_token": token,
                    "status": "verified",
                    "note": "بررسی شد",
                    "kind": "low_score",
                    "threshold": "50",
                    "window_days": "7",
                    "owner": client.account.email,
                    "deadline": "1499/12/01",
                    "outcome": "misuse",
                    "reason": "از یک نشانی، پشت سر هم",
                }
                response = client.post(url, data=data)
            else:
                response = client.get(
                    url, query_string={"scope": scope} if rule.endpoint in SCOPED_PAGES else {}
                )
            assert response.status_code == expected, (kind, rule.endpoint, target, response.status_code)


def test_signed_out_visitors_and_registry_admins_get_no_dashboard(feedback_app, feedback_session):
    anonymous = feedback_app.test_client()
    assert anonymous.get("/dashboard").status_code == 302
    assert anonymous.get("/dashboard/live.json").status_code == 401
    assert anonymous.get("/dashboard/export.csv").status_code == 401
    create_admin(feedback_session)
    admin = feedback_app.test_client()
    sign_in(admin)
    assert admin.get("/dashboard").status_code == 403
    assert admin.get("/dashboard/reports").status_code == 403


def test_dashboard_accounts_get_no_registry_pages(feedback_app, feedback_session):
    client = viewer_client(feedback_app, feedback_session, "nation")
    assert client.get("/admin/").status_code == 403
    assert client.get("/admin/viewers").status_code == 403


# issue 20: an agency's provincial office (no account has it) on every scoped route, for each kind
OWN_OFFICE = {
    "nation": "office:SSO/IR-00",
    "province": "office:SSO/IR-23",  # any agency's office in its province
    "agency": "office:ITO/IR-00",  # its own agency's office anywhere
    "unit": "office:ITO/IR-23",
}
OTHER_OFFICE = {
    "nation": "office:MICT/IR-23/2302",
    "province": "office:ITO/IR-00",
    "agency": "office:SSO/IR-23",
    "unit": "office:SSO/IR-23",
}
OFFICE_EXPECTED = {"nation": (200, 200), "province": (200, 404), "agency": (200, 404), "unit": (404, 404)}


@pytest.mark.parametrize("kind", list(OWN))
def test_office_scopes_answer_each_account_kind_on_every_scoped_route(feedback_app, feedback_session, kind):
    add_responses(feedback_session, 1, (4, 4, 4, 4), 6)
    client = viewer_client(feedback_app, feedback_session, OWN[kind])
    for endpoint in sorted(SCOPED_PAGES):
        with feedback_app.test_request_context():
            url = url_for(endpoint)
        for scope, expected in zip(
            (OWN_OFFICE[kind], OTHER_OFFICE[kind]), OFFICE_EXPECTED[kind], strict=True
        ):
            response = client.get(url, query_string={"scope": scope})
            assert response.status_code == expected, (kind, endpoint, scope, response.status_code)
