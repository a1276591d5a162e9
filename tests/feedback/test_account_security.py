"""Feedback accounts to OWASP ASVS level 2 (issue 22), as the portal's: sign-in throttled per e-mail
and network with one message and an atomic count, password rules and self-service change, first
and reset passwords forced to change, accounts that can be deactivated, sessions that sign-out,
a password change or a deactivation end on the server, an idle timeout and an absolute lifetime
(both settings), a reset link by e-mail that works once and says nothing of who has an account; the
new routes answer each kind of account as they should."""

from __future__ import annotations

import datetime as dt
import secrets
import time

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from core import signin
from core.account_pages import SEEN_KEY, STARTED_KEY
from core.actors import SYSTEM
from core.db import make_sessionmaker
from core.errors import ValidationError
from feedback.accounts.models import Account
from feedback.accounts.services import authenticate, create_account, create_viewer
from feedback.web.app import create_app
from portal.cli import main
from tests.concurrency import at_once
from tests.feedback.helpers import cli_env
from tests.fixtures.databases import savepoint_sessionmaker
from tests.fixtures.feedback import ADMIN_EMAIL, ADMIN_PASSWORD, create_admin, csrf_token
from tests.reset_links import ask_for_links, mailed_link_path, set_by_link

WRONG = "The e-mail or the password is not right."


def _sign_in(client, email, password, address):
    token = csrf_token(client.get("/sign-in?lang=en", environ_base={"REMOTE_ADDR": address}).text)
    return client.post(
        "/sign-in?lang=en",
        data={"email": email, "password": password, "csrf_token": token},
        environ_base={"REMOTE_ADDR": address},
    )


def test_guesses_from_one_network_neither_lock_the_owner_out_nor_reveal_the_account(
    feedback_app, feedback_session
):
    create_admin(feedback_session)
    client = feedback_app.test_client()
    answers = {}
    for email, network in ((ADMIN_EMAIL, "2001:db8:f1:1::"), ("nobody@example.ir", "2001:db8:f1:2::")):
        answers[email] = [
            (r.status_code, WRONG in r.text)
            for r in (_sign_in(client, email, "a wrong password", f"{network}{n + 1}") for n in range(5))
        ]
    assert answers[ADMIN_EMAIL] == answers["nobody@example.ir"] == [(401, True)] * 5
    held = _sign_in(client, ADMIN_EMAIL, ADMIN_PASSWORD, "2001:db8:f1:1::99")
    assert held.status_code == 401 and WRONG in held.text  # the right password waits, unexplained
    assert _sign_in(client, ADMIN_EMAIL, ADMIN_PASSWORD, "2001:db8:f1:9::1").status_code == 302


def test_addresses_rotated_inside_one_network_share_one_sign_in_budget(feedback_app, feedback_session):
    """Spraying many accounts from one IPv6 /64, a new address each time: past 20 tries a minute the
    network waits (429) whatever the address; the owner on another network is not affected."""
    create_admin(feedback_session)
    client = feedback_app.test_client()
    network = f"2001:db8:{secrets.randbits(16):x}:{secrets.randbits(16):x}"
    token = csrf_token(client.get("/sign-in", environ_base={"REMOTE_ADDR": f"{network}::1"}).text)
    statuses = [
        client.post(
            "/sign-in",
            data={"email": f"sprayed{n}@example.ir", "password": "a wrong password", "csrf_token": token},
            environ_base={"REMOTE_ADDR": f"{network}::{n + 1:x}"},
        ).status_code
        for n in range(21)
    ]
    assert statuses == [401] * 20 + [429]
    assert _sign_in(client, ADMIN_EMAIL, ADMIN_PASSWORD, "2001:db8:ffff:2::1").status_code == 302


def test_concurrent_sign_ins_are_counted_atomically(committed_feedback):
    factory = make_sessionmaker(committed_feedback)
    with factory() as session:
        create_account(session, SYSTEM, "race@example.ir", ADMIN_PASSWORD)
    results = at_once(
        8,
        factory,
        lambda session, _n: (
            authenticate(session, "race@example.ir", ADMIN_PASSWORD, "198.51.100.7/32") is not None
        ),
    )
    assert sorted(results) == [False] * 3 + [True] * signin.MAX_ATTEMPTS


def test_a_common_or_short_password_is_refused(feedback_session):
    for password in ("short-pass1", "password1234", "iloveyou2024!"):
        with pytest.raises(ValidationError) as caught:
            create_account(feedback_session, SYSTEM, "weak@example.ir", password)
        assert caught.value.fields["password"].startswith(("at least 12", "too common"))


def test_a_viewer_made_by_an_admin_changes_the_password_first(admin_client, feedback_app, feedback_session):
    token = csrf_token(admin_client.get("/admin/viewers").text)
    made = admin_client.post(
        "/admin/viewers",
        data={
            "csrf_token": token,
            "email": "first@viewer.example.ir",
            "scope": "nation",
            "password": "chosen by the admin",
        },
    )
    assert made.status_code == 302
    viewer = feedback_app.test_client()
    signed = _sign_in(viewer, "first@viewer.example.ir", "chosen by the admin", "192.0.2.61")
    assert signed.status_code == 302 and signed.headers["Location"].endswith("/account/password")
    assert viewer.get("/dashboard").headers["Location"].endswith("/account/password")  # nothing else
    page = viewer.get("/account/password?lang=en")
    changed = viewer.post(
        "/account/password",
        data={
            "csrf_token": csrf_token(page.text),
            "current_password": "chosen by the admin",
            "new_password": "my own long passphrase",
            "confirm_password": "my own long passphrase",
        },
    )
    assert changed.status_code == 302
    assert viewer.get("/dashboard").status_code == 200


def test_reset_deactivate_and_sign_out_end_sessions_on_the_server(
    admin_client, feedback_app, feedback_session
):
    account = create_viewer(feedback_session, SYSTEM, "v@viewer.example.ir", ADMIN_PASSWORD, "nation")
    viewer = feedback_app.test_client()
    assert _sign_in(viewer, account.email, ADMIN_PASSWORD, "192.0.2.62").status_code == 302
    copied = viewer.get_cookie("feedback_session").value
    page = viewer.get("/dashboard")
    assert viewer.post("/sign-out", data={"csrf_token": csrf_token(page.text)}).status_code == 302
    thief = feedback_app.test_client()
    thief.set_cookie("feedback_session", copied)
    assert thief.get("/dashboard").status_code == 302  # the copy ended with the sign-out

    assert _sign_in(viewer, account.email, ADMIN_PASSWORD, "192.0.2.62").status_code == 302
    token = csrf_token(admin_client.get("/admin/viewers").text)
    reset = admin_client.post(f"/admin/viewers/{account.id}/reset-password", data={"csrf_token": token})
    assert reset.status_code == 200
    one_time = reset.text.split('class="one-time-password">')[1].split("</code>")[0]
    assert viewer.get("/dashboard").status_code == 302  # ended by the reset
    again = _sign_in(viewer, account.email, one_time, "192.0.2.62")
    assert again.headers["Location"].endswith("/account/password")

    assert (
        admin_client.post(f"/admin/viewers/{account.id}/deactivate", data={"csrf_token": token}).status_code
        == 302
    )
    assert viewer.get("/account/password").status_code == 302  # ended by the deactivation
    assert _sign_in(viewer, account.email, one_time, "192.0.2.63").status_code == 401


def _app(settings, feedback_connection, **changes):
    app = create_app(settings.replace(**changes), session_factory=savepoint_sessionmaker(feedback_connection))
    app.config.update(TESTING=True)
    return app


def test_an_idle_session_ends_after_the_configured_minutes(settings, feedback_connection, feedback_session):
    create_admin(feedback_session)
    client = _app(settings, feedback_connection, session_idle_minutes=5).test_client()
    assert _sign_in(client, ADMIN_EMAIL, ADMIN_PASSWORD, "192.0.2.64").status_code == 302
    with client.session_transaction() as session:
        session[SEEN_KEY] = time.time() - 4 * 60  # idle four minutes: still signed in
    assert client.get("/admin/").status_code == 200
    with client.session_transaction() as session:
        session[SEEN_KEY] = time.time() - 5 * 60 - 1
    assert client.get("/admin/").status_code == 302
    assert client.get("/admin/").status_code == 302  # the session was cleared, not only refused once


def test_a_busy_session_ends_at_its_lifetime(feedback_app, feedback_session):
    """A session used every minute is rewritten every minute, so only the time it began can end it."""
    create_admin(feedback_session)
    client = feedback_app.test_client()
    assert _sign_in(client, ADMIN_EMAIL, ADMIN_PASSWORD, "192.0.2.66").status_code == 302
    lifetime = feedback_app.config["GOVCLOUD"].session_lifetime_hours * 3600
    with client.session_transaction() as session:
        session[STARTED_KEY] = time.time() - lifetime + 60
        session[SEEN_KEY] = time.time()
    assert client.get("/admin/").status_code == 200
    with client.session_transaction() as session:
        session[STARTED_KEY] = time.time() - lifetime - 1
        session[SEEN_KEY] = time.time()
    assert client.get("/admin/").status_code == 302


def test_first_and_reset_passwords_expire_after_the_configured_days(
    settings, feedback_connection, feedback_session
):
    create_admin(feedback_session)
    app = _app(settings, feedback_connection, temporary_password_days=7)
    admin = app.test_client()
    assert _sign_in(admin, ADMIN_EMAIL, ADMIN_PASSWORD, "192.0.2.67").status_code == 302
    before = dt.datetime.now(dt.UTC)
    made = admin.post(
        "/admin/viewers",
        data={
            "csrf_token": csrf_token(admin.get("/admin/viewers").text),
            "email": "week@viewer.example.ir",
            "scope": "nation",
            "password": "chosen by the admin",
        },
    )
    assert made.status_code == 302
    after = dt.datetime.now(dt.UTC)
    account = feedback_session.scalar(select(Account).where(Account.email == "week@viewer.example.ir"))
    assert account.must_change_password
    expires = account.password_expires_at.replace(tzinfo=account.password_expires_at.tzinfo or dt.UTC)
    assert before + dt.timedelta(days=7) <= expires <= after + dt.timedelta(days=7)
    assert _sign_in(app.test_client(), account.email, "chosen by the admin", "192.0.2.68").status_code == 302
    account.password_expires_at = before - dt.timedelta(seconds=1)  # a week later, unused
    feedback_session.commit()
    expired = _sign_in(app.test_client(), account.email, "chosen by the admin", "192.0.2.68")
    assert expired.status_code == 401 and WRONG in expired.text


def test_a_reset_link_by_e_mail_works_once_and_says_nothing_of_who_has_an_account(
    settings, feedback_connection, feedback_session, smtp_server
):
    account = create_viewer(feedback_session, SYSTEM, "forgot@viewer.example.ir", ADMIN_PASSWORD, "nation")
    client = _app(settings, feedback_connection, smtp_url=smtp_server.url).test_client()
    answers = ask_for_links(client, [account.email, "nobody@viewer.example.ir"], "?lang=en")
    assert answers[0] == answers[1] and answers[0][0] == 200
    path = mailed_link_path(smtp_server, account.email) + "?lang=en"
    weak = set_by_link(client, path, "password1234")
    assert weak.status_code == 422 and "Too common" in weak.text
    done = set_by_link(client, path, "reset by my own link")
    assert done.status_code == 302 and done.headers["Location"].endswith("/sign-in")
    assert _sign_in(client, account.email, "reset by my own link", "192.0.2.71").status_code == 302
    again = set_by_link(client, path, "another long phrase")
    assert again.status_code == 422 and "not valid any more" in again.text  # used once, void after
    assert len(smtp_server.received) == 1  # the unknown e-mail got nothing


def test_a_portal_reset_link_does_not_open_a_feedback_account(settings, feedback_app, feedback_session):
    """Each app signs its links with its own salt: the same secret and id open nothing across apps."""
    from core import passwords

    account = create_viewer(feedback_session, SYSTEM, "salt@viewer.example.ir", ADMIN_PASSWORD, "nation")
    token = passwords.reset_token(
        settings.secret_key, "portal-password-reset", account.id, account.password_hash
    )
    answer = set_by_link(
        feedback_app.test_client(), f"/account/reset/{token}?lang=en", "not through that link"
    )
    assert answer.status_code == 422 and "not valid any more" in answer.text


def test_operators_deactivate_any_account(settings, committed_feedback):
    create_admin(committed_feedback)
    result = CliRunner().invoke(main, ["feedback", "deactivate-account", ADMIN_EMAIL], env=cli_env(settings))
    assert result.exit_code == 0, result.output
    with make_sessionmaker(committed_feedback)() as session:
        assert session.scalar(select(Account.active).where(Account.email == ADMIN_EMAIL)) is False


def test_the_new_routes_answer_each_kind_of_account(admin_client, feedback_app, feedback_session):
    """The role matrix of the routes issue 22 added: anonymous, a dashboard viewer, a registry admin."""
    target = create_viewer(feedback_session, SYSTEM, "target@viewer.example.ir", ADMIN_PASSWORD, "nation")
    viewer_account = create_viewer(
        feedback_session, SYSTEM, "other@viewer.example.ir", ADMIN_PASSWORD, "nation"
    )
    viewer = feedback_app.test_client()
    assert _sign_in(viewer, viewer_account.email, ADMIN_PASSWORD, "192.0.2.65").status_code == 302
    clients = {"anonymous": feedback_app.test_client(), "viewer": viewer, "registry_admin": admin_client}
    expected = {
        ("GET", "/account/password"): {"anonymous": 302, "viewer": 200, "registry_admin": 200},
        ("GET", "/account/reset"): {"anonymous": 200, "viewer": 200, "registry_admin": 200},
        ("POST", "/account/reset"): {"anonymous": 200, "viewer": 200, "registry_admin": 200},
        ("GET", "/account/reset/not-a-token"): {"anonymous": 200, "viewer": 200, "registry_admin": 200},
        ("POST", "/account/reset/not-a-token"): {"anonymous": 422, "viewer": 422, "registry_admin": 422},
        ("POST", f"/admin/viewers/{target.id}/reset-password"): {
            "anonymous": 302,
            "viewer": 403,
            "registry_admin": 200,
        },
        ("POST", f"/admin/viewers/{target.id}/deactivate"): {
            "anonymous": 302,
            "viewer": 403,
            "registry_admin": 302,
        },
    }
    for (method, path), per_kind in expected.items():
        for kind, status in per_kind.items():
            client = clients[kind]
            token = csrf_token(client.get("/sign-in").text)
            answer = client.open(
                path, method=method, data={"csrf_token": token} if method == "POST" else None
            )
            assert answer.status_code == status, (method, path, kind)
