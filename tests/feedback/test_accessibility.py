"""Every page of the feedback service through axe-core in real Chromium, in Persian and in English,
for the citizen (signed out), the registry admin and a dashboard viewer of each scope: no serious or
critical violation.

The pages are the URL map's GET routes, with ids of a seeded world (desks and their codes, a closed
code, answers in two provinces, a job, a missing-code report, an alert); a new route is checked as
soon as it exists. One browser, one context per account, one server on the test's rolled-back
transaction.
"""

from __future__ import annotations

import pytest
from flask import url_for

from core.actors import SYSTEM
from core.web import LOCALES
from feedback.accounts.services import create_viewer
from feedback.dashboards.models import Alert, AlertSubscription
from feedback.jobs.services import create_job
from feedback.registry.services import set_employee_active
from tests.feedback.dashboard_helpers import PASSWORD, UNIT, add_flagged, add_report, add_responses
from tests.feedback.helpers import code_of
from tests.feedback.survey_helpers import seed_survey
from tests.fixtures.axe import violations_in_each_language
from tests.fixtures.feedback import ADMIN_EMAIL, ADMIN_PASSWORD, create_admin, sign_in
from tests.fixtures.web import LiveServer

# a walk of every page in two languages for each role: minutes on a loaded two-core machine
pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]

SCOPES = {
    "nation": "nation",
    "province": "province:IR-23",
    "agency": "agency:ITO",
    "unit": f"unit:ITO/{UNIT}",
}


def _seed(session, tmp_path) -> dict[str, object]:
    """The world the pages show; returns the URL arguments of its objects."""
    tokens = seed_survey(session, tmp_path, 3)
    closed = code_of(session, "E000003")
    set_employee_active(session, SYSTEM, closed.employee_id, False)
    employee_id = code_of(session, "E000001").employee_id
    add_responses(session, employee_id, (5, 4, 4, 5), 8)
    add_responses(session, employee_id, (2, 1, 2, 3), 6, unit="اداره مالی", agency="SSO", province="IR-00")
    create_admin(session)
    accounts = {
        kind: create_viewer(session, SYSTEM, f"{kind}@viewer.example.ir", PASSWORD, scope)
        for kind, scope in SCOPES.items()
    }
    subscription = AlertSubscription(
        account_id=accounts["unit"].id,
        unit_key=f"ITO/{UNIT}",
        kind="low_responses",
        threshold=10,
        window_days=7,
    )
    session.add(subscription)
    session.flush()
    session.add(Alert(subscription_id=subscription.id, value=1, count=1))
    job = create_job(session, SYSTEM, "import", {"filename": "کارکنان.csv"})
    report = add_report(session, "سازمان فناوری اطلاعات ایران", "IR-23")
    add_flagged(session, comment="پاسخ نشان‌دار با شماره ۰۹۱۲۱۲۳۴۵۶۷")  # issue 20: flagged answers page
    add_flagged(session, comment="برخورد خوب بود", status="counted")  # and a comment on the comments page
    session.commit()
    return {
        "employee_id": employee_id,
        "job_id": job.id,
        "token": tokens[0],
        "tracking": report.tracking_number,
        "report_id": report.id,
        "closed_token": closed.token,
        "fmt": "csv",  # the audit trail's export (a download, not a page)
    }


def _pages(app, args: dict[str, object]) -> list[str]:
    """Every GET route of the URL map with the seeded ids, a closed code's page and an unknown page."""
    paths = []
    with app.test_request_context():
        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
            if "GET" not in rule.methods or rule.endpoint == "static":
                continue
            paths.append(url_for(rule.endpoint, **{name: args[name] for name in rule.arguments}))
    # issue 20: a ministry's page and an agency's provincial and county offices (nation: all three)
    offices = [
        "/dashboard?scope=agency:MICT",
        "/dashboard?scope=office:ITO/IR-23",
        "/dashboard?scope=office:ITO/IR-23/2301",
    ]
    return [*paths, *offices, f"/e/{args['closed_token']}", "/no-such-page"]


def test_every_feedback_page_has_no_serious_accessibility_violation(
    feedback_app, feedback_session, browser, tmp_path
):
    args = _seed(feedback_session, tmp_path)
    accounts = {"anonymous": None, "registry_admin": ADMIN_EMAIL} | {
        kind: f"{kind}@viewer.example.ir" for kind in SCOPES
    }
    found: list[str] = []
    checked = 0
    with LiveServer(feedback_app, threaded=False) as server:
        for account, email in accounts.items():
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            if email:
                client = feedback_app.test_client()
                sign_in(client, email=email, password=ADMIN_PASSWORD if email == ADMIN_EMAIL else PASSWORD)
                cookie = client.get_cookie("feedback_session").value
                context.add_cookies([{"name": "feedback_session", "value": cookie, "url": server.url}])
            page = context.new_page()
            error_pages = set()
            for path in _pages(feedback_app, args):
                answer = context.request.get(server.url + path, max_redirects=0)
                if "text/html" not in answer.headers.get("content-type", "") or answer.status in (301, 302):
                    continue  # a download, JSON, or the way to the sign-in page (checked on its own)
                if answer.status in (401, 403, 404):
                    if answer.status in error_pages:
                        continue  # one error page of each kind: they share a template
                    error_pages.add(answer.status)
                found += [f"{account} {v}" for v in violations_in_each_language(page, server.url + path)]
                checked += len(LOCALES)
            context.close()
    assert checked > 40, checked  # the walk really reached the pages
    assert found == [], "\n".join(found)
