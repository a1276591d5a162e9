"""In Chromium: one sign-in opens both apps. An official signs in to the portal with their password;
the feedback app's "sign in through the portal" then signs them in with no password of its own (the
portal as the OpenID Connect provider, both apps over real HTTP), with the feedback account's own
scope; a portal user with no feedback account is refused, and the password form stays."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from core.actors import SYSTEM, Role
from core.db import make_sessionmaker
from feedback.accounts.services import create_viewer
from portal.accounts import services as accounts
from tests.feedback.dashboard_helpers import PASSWORD as FEEDBACK_PASSWORD
from tests.fixtures.web import LiveServer

pytestmark = pytest.mark.browser

OFFICIAL = "minister.office@ict.gov.ir"
STRANGER = "nobody@ict.gov.ir"
PORTAL_PASSWORD = "a-long-portal-password"


@pytest.fixture
def both_apps(settings, committed_platform, committed_feedback):
    """The portal and the feedback app, each told where the other is (the ports are known only
    once both listen)."""
    from feedback.web.app import create_app as create_feedback
    from portal.app import create_app as create_portal

    portal_app = create_portal(settings)
    with LiveServer(portal_app) as portal:
        feedback_app = create_feedback(settings.replace(base_url=portal.url))
        with LiveServer(feedback_app) as feedback:
            both = settings.replace(base_url=portal.url, feedback_base_url=feedback.url)
            portal_app.config["GOVCLOUD"] = feedback_app.config["GOVCLOUD"] = both
            yield portal, feedback


def _portal_user(committed_platform, email: str) -> None:
    with make_sessionmaker(committed_platform)() as session:
        accounts.create_user(
            session,
            SYSTEM,
            email=email,
            name="دفتر وزیر",
            role=Role.overseer,
            agency_id=None,
            password=PORTAL_PASSWORD,
        )


def _sign_in_to_portal(page, portal_url: str, email: str) -> None:
    page.goto(portal_url + "/sign-in")
    page.get_by_label("رایانامه").fill(email)
    page.get_by_label("گذرواژه").fill(PORTAL_PASSWORD)
    page.get_by_role("button", name="ورود").click()
    page.wait_for_url(lambda url: "/sign-in" not in url)


def test_one_sign_in_opens_both_apps(both_apps, page, committed_platform, committed_feedback):
    portal, feedback = both_apps
    _portal_user(committed_platform, OFFICIAL)
    with make_sessionmaker(committed_feedback)() as session:
        create_viewer(session, SYSTEM, OFFICIAL, FEEDBACK_PASSWORD, "agency:MICT")

    _sign_in_to_portal(page, portal.url, OFFICIAL)
    page.goto(feedback.url + "/dashboard")
    page.wait_for_url("**/sign-in**")
    expect(page.locator("#password")).to_be_visible()  # the password form stays for the others
    page.locator("#portal-sign-in").click()  # through the portal and back, no password typed
    page.wait_for_url(feedback.url + "/dashboard")
    assert page.locator("h1").inner_text() == "وزارت ارتباطات و فناوری اطلاعات"  # the account's scope


def test_a_portal_user_without_a_feedback_account_is_refused(both_apps, page, committed_platform):
    portal, feedback = both_apps
    _portal_user(committed_platform, STRANGER)
    _sign_in_to_portal(page, portal.url, STRANGER)
    page.goto(feedback.url + "/sign-in")
    page.locator("#portal-sign-in").click()
    expect(page.get_by_role("alert")).to_contain_text("حسابی در سامانهٔ نظرسنجی ندارد")
    assert page.url.startswith(feedback.url + "/sign-in/portal/callback")
    page.goto(feedback.url + "/dashboard")
    page.wait_for_url("**/sign-in**")  # not signed in


def test_signed_out_of_the_portal_the_official_signs_in_there_first(
    both_apps, page, committed_platform, committed_feedback
):
    portal, feedback = both_apps
    _portal_user(committed_platform, OFFICIAL)
    with make_sessionmaker(committed_feedback)() as session:
        create_viewer(session, SYSTEM, OFFICIAL, FEEDBACK_PASSWORD, "nation")
    page.goto(feedback.url + "/sign-in")
    page.locator("#portal-sign-in").click()
    page.wait_for_url(f"{portal.url}/sign-in**")
    page.get_by_label("رایانامه").fill(OFFICIAL)
    page.get_by_label("گذرواژه").fill(PORTAL_PASSWORD)
    page.get_by_role("button", name="ورود").click()
    page.wait_for_url(feedback.url + "/dashboard")


def test_a_first_password_not_yet_changed_does_not_hold_up_a_sign_in_through_the_portal(
    both_apps, page, committed_platform, committed_feedback
):
    """The portal vouched for the official, who never typed the feedback app's first password: the
    dashboard opens, while the password form still sends that password to be changed."""
    portal, feedback = both_apps
    _portal_user(committed_platform, OFFICIAL)
    with make_sessionmaker(committed_feedback)() as session:
        create_viewer(session, SYSTEM, OFFICIAL, FEEDBACK_PASSWORD, "nation", temporary=True)

    _sign_in_to_portal(page, portal.url, OFFICIAL)
    page.goto(feedback.url + "/sign-in")
    page.locator("#portal-sign-in").click()
    page.wait_for_url(feedback.url + "/dashboard")

    page.context.clear_cookies()
    page.goto(feedback.url + "/sign-in")
    page.locator("#email").fill(OFFICIAL)
    page.locator("#password").fill(FEEDBACK_PASSWORD)
    page.locator("#password").press("Enter")
    page.wait_for_url("**/account/password**")
