import re

import pytest
from sqlalchemy import select

from core.actors import SYSTEM, Role
from core.errors import NotAuthorized, ValidationError
from portal.accounts import services as accounts
from portal.accounts.models import ApiToken, User
from tests.fixtures.accounts import PASSWORD
from tests.fixtures.web import csrf_token_from


def _post_sign_in(client, email, password, token=None):
    token = token or csrf_token_from(client.get("/sign-in").get_data(as_text=True))
    return client.post("/sign-in", data={"email": email, "password": password, "csrf_token": token})


def test_passwords_are_stored_as_argon2_hashes(make_user):
    user = make_user(Role.overseer)
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_sign_in_and_out(client, make_user):
    user = make_user(Role.overseer)
    response = _post_sign_in(client, user.email, PASSWORD)
    assert response.status_code == 302
    home = client.get("/").get_data(as_text=True)
    assert user.name in home and "خروج" in home
    assert client.post("/sign-out", data={"csrf_token": csrf_token_from(home)}).status_code == 302
    home = client.get("/").get_data(as_text=True)
    assert user.name not in home and "ورود" in home


def test_wrong_password_does_not_say_whether_the_account_exists(client, make_user):
    user = make_user(Role.overseer)
    wrong = _post_sign_in(client, user.email, "not-the-password")
    unknown = _post_sign_in(client, "nobody@test.govcloud.ir", "not-the-password")
    assert wrong.status_code == unknown.status_code == 401
    assert "رایانامه یا گذرواژه نادرست است" in wrong.get_data(as_text=True)
    assert "رایانامه یا گذرواژه نادرست است" in unknown.get_data(as_text=True)


def test_sign_in_form_requires_csrf(client, make_user):
    user = make_user(Role.overseer)
    response = client.post("/sign-in", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400


def test_sign_in_is_rate_limited_per_address(client, make_user):
    user = make_user(Role.overseer)
    token = csrf_token_from(client.get("/sign-in").get_data(as_text=True))
    statuses = [
        _post_sign_in(client, f"x{i}@test.govcloud.ir", "wrong", token).status_code for i in range(11)
    ]
    assert statuses[:10] == [401] * 10
    assert statuses[10] == 429
    # another address is not affected
    client.environ_base["REMOTE_ADDR"] = "192.0.2.77"
    assert _post_sign_in(client, user.email, PASSWORD).status_code == 302


def test_next_never_leaves_the_site(client, make_user):
    user = make_user(Role.overseer)
    token = csrf_token_from(client.get("/sign-in").get_data(as_text=True))
    response = client.post(
        "/sign-in?next=//evil.example/x",
        data={"email": user.email, "password": PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] == "/"


def test_tokens_are_shown_once_stored_hashed_and_revocable(client, sign_in, make_user, db_session):
    user = make_user(Role.agency_member)
    sign_in(client, user)
    page = client.get("/account/tokens").get_data(as_text=True)
    created = client.post("/account/tokens", data={"label": "ci", "csrf_token": csrf_token_from(page)})
    plaintext = re.search(r'<code class="token" dir="ltr">(gc_[^<]+)</code>', created.get_data(as_text=True))[
        1
    ]
    row = db_session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    assert plaintext not in (row.digest, row.prefix) and len(row.digest) == 64
    # the list shows only the prefix afterwards
    assert plaintext not in client.get("/account/tokens").get_data(as_text=True)

    api = client.application.test_client()
    me = api.get("/api/v1/me", headers={"Authorization": f"Bearer {plaintext}"})
    assert me.status_code == 200 and me.json["email"] == user.email
    assert me.json["agency_ids"] == [user.agency_id]

    page = client.get("/account/tokens").get_data(as_text=True)
    client.post(f"/account/tokens/{row.id}/revoke", data={"csrf_token": csrf_token_from(page)})
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {plaintext}"}).status_code == 401


def test_a_user_cannot_revoke_someone_elses_token(db_session, make_user):
    owner, other = make_user(Role.agency_member), make_user(Role.agency_member)
    token, _ = accounts.issue_token(db_session, SYSTEM, owner.id, "mine")
    with pytest.raises(NotAuthorized):
        accounts.revoke_token(db_session, accounts.actor_for(db_session, other), token.id)


def test_api_writes_need_a_token_not_a_cookie(client, sign_in, make_user):
    sign_in(client, make_user(Role.platform_admin))
    assert client.get("/api/v1/me").status_code == 200  # reading with the session is fine
    assert client.post("/api/v1/me").status_code in {401, 405}


def test_actor_covers_the_agency_and_its_sub_agencies(db_session, make_agency, make_user):
    ministry = make_agency()
    organization = make_agency(parent=ministry)
    office = make_agency(parent=organization)
    unrelated = make_agency()
    actor = accounts.actor_for(db_session, make_user(Role.agency_admin, agency=ministry))
    assert actor.agency_ids == {ministry.id, organization.id, office.id}
    assert not actor.can_read_agency(unrelated.id)


@pytest.mark.parametrize(
    ("creator_role", "new_role", "same_agency", "allowed"),
    [
        (Role.platform_admin, Role.overseer, False, True),
        (Role.agency_admin, Role.agency_member, True, True),
        (Role.agency_admin, Role.agency_admin, True, True),
        (Role.agency_admin, Role.agency_member, False, False),
        (Role.agency_admin, Role.platform_admin, True, False),
        (Role.agency_member, Role.agency_member, True, False),
        (Role.overseer, Role.agency_member, True, False),
        (Role.platform_admin, Role.auditor, False, True),
        (Role.agency_admin, Role.auditor, True, False),
        (Role.auditor, Role.agency_member, True, False),
    ],
)
def test_who_may_create_accounts(
    db_session, make_agency, make_user, creator_role, new_role, same_agency, allowed
):
    home, elsewhere = make_agency(), make_agency()
    creator = make_user(
        creator_role, agency=home if creator_role in {Role.agency_admin, Role.agency_member} else None
    )
    agency = home if same_agency else elsewhere
    target_agency = agency.id if new_role in accounts.AGENCY_ROLES else None
    actor = accounts.actor_for(db_session, creator)
    assert accounts.can_create_user(actor, new_role, target_agency) is allowed


def test_account_validation_names_each_field(db_session, make_user):
    existing = make_user(Role.overseer)
    with pytest.raises(ValidationError) as caught:
        accounts.create_user(
            db_session,
            SYSTEM,
            email=existing.email,
            name="",
            role=Role.agency_member,
            agency_id=None,
            password="short",
        )
    assert set(caught.value.fields) == {"email", "agency", "password"}
    assert db_session.scalar(select(User).where(User.email == existing.email)).id == existing.id
