"""Portal accounts to OWASP ASVS level 2 (issue 22): sign-in throttled per e-mail and network
without locking the owner out or revealing who has an account, counted atomically; password rules;
self-service change; an admin's reset with a forced change; first passwords that expire; sessions
that sign-out, a password change or a deactivation end on the server; an idle timeout and an
absolute lifetime (settings); first passwords expiring after the configured days."""

from __future__ import annotations

import datetime as dt
import secrets
import time

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from core import signin
from core.account_pages import SEEN_KEY, STARTED_KEY
from core.actors import SYSTEM, Role
from core.errors import NotAuthorized, ValidationError
from portal.accounts import services as accounts
from portal.accounts.models import SIGN_IN_ATTEMPTS
from tests.concurrency import at_once
from tests.fixtures.accounts import PASSWORD
from tests.fixtures.web import csrf_token_from
from tests.reset_links import ask_for_links, mailed_link_path, set_by_link

WRONG = "رایانامه یا گذرواژه نادرست است"


def _sign_in(client, email, password, address):
    token = csrf_token_from(client.get("/sign-in", environ_base={"REMOTE_ADDR": address}).text)
    return client.post(
        "/sign-in",
        data={"email": email, "password": password, "csrf_token": token},
        environ_base={"REMOTE_ADDR": address},
    )


def test_guesses_from_one_network_do_not_lock_the_owner_out_elsewhere(client, make_user):
    user = make_user(Role.overseer)
    guesser = "2001:db8:aa:1::5"
    for n in range(signin.MAX_ATTEMPTS):
        assert (
            _sign_in(client, user.email, f"wrong guess {n}", f"2001:db8:aa:1::{n + 10:x}").status_code == 401
        )
    held = _sign_in(client, user.email, PASSWORD, guesser)  # rotating inside the /64 gains nothing
    assert held.status_code == 401 and WRONG in held.text  # the same words: nothing says "locked"
    assert _sign_in(client, user.email, PASSWORD, "2001:db8:bb:2::1").status_code == 302  # the owner


def test_addresses_rotated_inside_one_network_share_one_sign_in_budget(client, make_user):
    """Spraying many accounts from one IPv6 /64, a new address each time: past 30 tries a minute the
    network waits (429) whatever the address; the owner on another network is not affected."""
    user = make_user(Role.overseer)
    network = f"2001:db8:{secrets.randbits(16):x}:{secrets.randbits(16):x}"
    token = csrf_token_from(client.get("/sign-in", environ_base={"REMOTE_ADDR": f"{network}::1"}).text)
    statuses = [
        client.post(
            "/sign-in",
            data={"email": f"sprayed{n}@test.govcloud.ir", "password": "wrong guess", "csrf_token": token},
            environ_base={"REMOTE_ADDR": f"{network}::{n + 1:x}"},
        ).status_code
        for n in range(31)
    ]
    assert statuses == [401] * 30 + [429]
    assert _sign_in(client, user.email, PASSWORD, "2001:db8:ffff:1::1").status_code == 302


def test_an_unknown_e_mail_is_answered_exactly_like_a_known_one(client, make_user):
    user = make_user(Role.overseer)
    answers = {}
    for email, network in ((user.email, "2001:db8:cc:1::"), ("nobody@test.govcloud.ir", "2001:db8:cc:2::")):
        answers[email] = [
            (r.status_code, WRONG in r.text)
            for r in (_sign_in(client, email, "wrong password!", f"{network}{n + 1}") for n in range(7))
        ]
    assert answers[user.email] == answers["nobody@test.govcloud.ir"] == [(401, True)] * 7


def _committed_user(factory, email):
    with factory() as session:
        accounts.create_user(
            session, SYSTEM, email=email, name="race", role=Role.overseer, agency_id=None, password=PASSWORD
        )


def _signs_in(session, email, password) -> bool:
    try:
        accounts.authenticate(session, email, password, "192.0.2.0/32")
    except NotAuthorized:
        return False
    return True


def test_concurrent_guesses_cannot_pass_the_count_together(committed_platform):
    """Ten sign-ins with the right password at once from one network: exactly MAX_ATTEMPTS pass,
    each attempt counted by one atomic statement (the old `failed_logins += 1` lost updates)."""
    factory = sessionmaker(committed_platform)
    _committed_user(factory, "race@test.govcloud.ir")
    results = at_once(10, factory, lambda session, _n: _signs_in(session, "race@test.govcloud.ir", PASSWORD))
    assert sorted(results) == [False] * 5 + [True] * 5


def test_concurrent_wrong_guesses_are_each_counted_exactly(committed_platform):
    """Twelve wrong guesses at once for one account from one network: the stored count is twelve,
    not fewer (a read-modify-write `failed_logins += 1` loses the increments that overlap)."""
    factory = sessionmaker(committed_platform)
    _committed_user(factory, "guessed@test.govcloud.ir")
    results = at_once(
        12, factory, lambda session, n: _signs_in(session, "guessed@test.govcloud.ir", f"wrong guess {n}")
    )
    assert results == [False] * 12
    with factory() as session:
        assert session.scalar(select(SIGN_IN_ATTEMPTS.c.failures)) == 12


def test_passwords_need_12_characters_and_not_a_common_one(db_session):
    for password, problem in (
        ("short-pass1", "at least 12 characters"),
        ("password1234", "too common"),
        ("iloveyou2024!", "too common"),
    ):
        with pytest.raises(ValidationError) as caught:
            accounts.create_user(
                db_session,
                SYSTEM,
                email="p@test.govcloud.ir",
                name="p",
                role=Role.overseer,
                agency_id=None,
                password=password,
            )
        assert caught.value.fields["password"].startswith(problem)


def test_changing_the_password_ends_every_other_session(app, make_user):
    user = make_user(Role.overseer)
    here, elsewhere = app.test_client(), app.test_client()
    assert _sign_in(here, user.email, PASSWORD, "192.0.2.10").status_code == 302
    assert _sign_in(elsewhere, user.email, PASSWORD, "192.0.2.11").status_code == 302
    form = here.get("/account/password")
    assert form.status_code == 200
    refused = here.post(
        "/account/password",
        data={
            "csrf_token": csrf_token_from(form.text),
            "current_password": PASSWORD,
            "new_password": "password1234",
            "confirm_password": "password1234",
        },
    )
    assert refused.status_code == 422 and "رایج" in refused.text
    changed = here.post(
        "/account/password",
        data={
            "csrf_token": csrf_token_from(form.text),
            "current_password": PASSWORD,
            "new_password": "a fresh long passphrase",
            "confirm_password": "a fresh long passphrase",
        },
    )
    assert changed.status_code == 302
    assert here.get("/account/tokens").status_code == 200  # this session goes on
    assert elsewhere.get("/account/tokens").status_code == 302  # the other one has ended
    assert _sign_in(elsewhere, user.email, "a fresh long passphrase", "192.0.2.11").status_code == 302


def test_sign_out_ends_the_session_on_the_server(app, make_user):
    user = make_user(Role.overseer)
    client = app.test_client()
    assert _sign_in(client, user.email, PASSWORD, "192.0.2.20").status_code == 302
    copied = client.get_cookie("session").value  # a copy of the cookie, as a thief would keep
    page = client.get("/account/tokens")
    assert client.post("/sign-out", data={"csrf_token": csrf_token_from(page.text)}).status_code == 302
    thief = app.test_client()
    thief.set_cookie("session", copied)
    assert thief.get("/account/tokens").status_code == 302


def _app(settings, platform_connection, **changes):
    from portal.app import create_app
    from tests.fixtures.databases import savepoint_sessionmaker

    app = create_app(settings.replace(**changes), session_factory=savepoint_sessionmaker(platform_connection))
    app.config.update(TESTING=True)
    return app


def test_an_idle_session_ends_after_the_configured_minutes(settings, platform_connection, make_user):
    user = make_user(Role.overseer)
    client = _app(settings, platform_connection, session_idle_minutes=5).test_client()
    assert _sign_in(client, user.email, PASSWORD, "192.0.2.30").status_code == 302
    with client.session_transaction() as session:
        session[SEEN_KEY] = time.time() - 4 * 60  # idle four minutes: still signed in
    assert client.get("/account/tokens").status_code == 200
    with client.session_transaction() as session:
        session[SEEN_KEY] = time.time() - 5 * 60 - 1
    assert client.get("/account/tokens").status_code == 302
    assert client.get("/account/tokens").status_code == 302  # cleared, not only refused once


def test_a_busy_session_ends_at_its_lifetime(app, make_user):
    """A session used every minute is rewritten every minute (so its cookie never grows old): only
    the time it began ends it, GOVCLOUD_SESSION_LIFETIME_HOURS after the sign-in."""
    user = make_user(Role.overseer)
    client = app.test_client()
    assert _sign_in(client, user.email, PASSWORD, "192.0.2.31").status_code == 302
    lifetime = app.config["GOVCLOUD"].session_lifetime_hours * 3600
    assert lifetime < 31 * 24 * 3600 and app.permanent_session_lifetime.total_seconds() == lifetime
    with client.session_transaction() as session:
        session[STARTED_KEY] = time.time() - lifetime + 60
        session[SEEN_KEY] = time.time()
    assert client.get("/account/tokens").status_code == 200
    with client.session_transaction() as session:
        session[STARTED_KEY] = time.time() - lifetime - 1
        session[SEEN_KEY] = time.time()
    assert client.get("/account/tokens").status_code == 302


def test_first_passwords_expire_after_the_configured_days(
    settings, platform_connection, make_user, make_agency, db_session
):
    agency = make_agency()
    admin = make_user(Role.agency_admin, agency=agency)
    app = _app(settings, platform_connection, temporary_password_days=7)
    client = app.test_client()
    assert _sign_in(client, admin.email, PASSWORD, "192.0.2.43").status_code == 302
    before = dt.datetime.now(dt.UTC)
    added = client.post(
        f"/agencies/{agency.id}/members",
        data={
            "csrf_token": csrf_token_from(client.get(f"/agencies/{agency.id}/members").text),
            "email": "first-week@test.govcloud.ir",
            "name": "first",
            "role": "agency_member",
        },
    )
    assert added.status_code == 200
    after = dt.datetime.now(dt.UTC)
    member = accounts.actor_for_email(db_session, "first-week@test.govcloud.ir")
    user = accounts.get_user(db_session, member.id)
    assert user.must_change_password
    assert before + dt.timedelta(days=7) <= user.password_expires_at <= after + dt.timedelta(days=7)


def test_an_admins_reset_forces_a_change_and_expires(app, make_user, make_agency, db_session):
    agency = make_agency()
    admin = make_user(Role.agency_admin, agency=agency)
    member = make_user(Role.agency_member, agency=agency)
    member_client = app.test_client()
    assert _sign_in(member_client, member.email, PASSWORD, "192.0.2.40").status_code == 302
    admin_client = app.test_client()
    assert _sign_in(admin_client, admin.email, PASSWORD, "192.0.2.41").status_code == 302
    page = admin_client.get(f"/agencies/{agency.id}/members")
    reset = admin_client.post(
        f"/agencies/{agency.id}/members/{member.id}/reset-password",
        data={"csrf_token": csrf_token_from(page.text)},
    )
    assert reset.status_code == 200
    one_time = reset.text.split('<code class="token" dir="ltr">')[1].split("</code>")[0]
    assert member_client.get("/account/tokens").status_code == 302  # their session ended
    signed = _sign_in(member_client, member.email, one_time, "192.0.2.40")
    assert signed.status_code == 302 and signed.headers["Location"].endswith("/account/password")
    assert member_client.get("/services").headers["Location"].endswith("/account/password")  # nothing else
    # unused, it expires
    db_session.refresh(member)
    member.password_expires_at = member.password_expires_at.replace(year=2000)
    db_session.commit()
    expired = _sign_in(app.test_client(), member.email, one_time, "192.0.2.42")
    assert expired.status_code == 401 and "منقضی" in expired.text


def test_deactivating_a_member_ends_their_session(app, make_user, make_agency, db_session):
    agency = make_agency()
    admin = make_user(Role.agency_admin, agency=agency)
    member = make_user(Role.agency_member, agency=agency)
    client = app.test_client()
    assert _sign_in(client, member.email, PASSWORD, "192.0.2.50").status_code == 302
    accounts.set_user_active(db_session, accounts.actor_for(db_session, admin), member.id, False)
    assert client.get("/account/tokens").status_code == 302


def test_a_reset_link_by_e_mail_works_once_and_says_nothing_of_who_has_an_account(
    settings, platform_connection, make_user, smtp_server
):
    user = make_user(Role.overseer)
    client = _app(settings, platform_connection, smtp_url=smtp_server.url).test_client()
    answers = ask_for_links(client, [user.email, "nobody@test.govcloud.ir"])
    assert answers[0] == answers[1] and answers[0][0] == 200
    path = mailed_link_path(smtp_server, user.email)
    assert set_by_link(client, path, "password1234").status_code == 422
    assert set_by_link(client, path, "reset by my own link").status_code == 302
    assert _sign_in(client, user.email, "reset by my own link", "192.0.2.71").status_code == 302
    again = set_by_link(client, path, "another long phrase")
    assert again.status_code == 422 and "معتبر نیست" in again.text  # used once, void after
    assert len(smtp_server.received) == 1  # the unknown e-mail got nothing
