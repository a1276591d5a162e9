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


def test_a_plan_for_an_agency_that_does_not_exist_is_422_naming_the_field(client, make_user, api_headers):
    """Issue 15: a platform admin's POST with a missing agency_id was an IntegrityError (500)."""
    from core.actors import Role

    headers = api_headers(make_user(Role.platform_admin))
    for path, body in [
        ("/api/v1/migration/plans", {"agency_id": 2**31 - 1, "name": "p", "cloud_plan": "small"}),
        ("/api/v1/migration/data-centers", {"agency_id": 2**31 - 1, "name": "dc"}),
    ]:
        response = client.post(path, json=body, headers=headers)
        assert response.status_code == 422, response.json
        assert response.json["error"]["fields"] == {"agency_id": "no such agency"}


def test_a_service_form_naming_a_missing_agency_is_422_on_the_page(client, make_user, sign_in):
    from core.actors import Role
    from tests.fixtures.web import csrf_token_from

    sign_in(client, make_user(Role.platform_admin))
    token = csrf_token_from(client.get("/services/new").get_data(as_text=True))
    response = client.post(
        "/services/new",
        data={"csrf_token": token, "agency_id": str(2**31 - 1), "code": "x", "name_fa": "ایکس"},
    )
    assert response.status_code == 422
    assert "چنین دستگاهی وجود ندارد" in response.get_data(as_text=True)
    for odd in ("²", "9" * 30, "-1", "۱۲"):
        data = {"csrf_token": token, "agency_id": odd, "code": "x", "name_fa": "ایکس"}
        assert client.post("/services/new", data=data).status_code == 422, odd


def test_another_agencys_draft_inquiry_answers_like_a_missing_one(
    client, db_session, make_agency, make_user, api_headers
):
    """Issue 22's existence oracle, through the API: the two refusals are byte for byte the same."""
    from catalog.models import Audience, EService, ServiceKind
    from core.actors import Role

    own, other = make_agency(), make_agency()
    draft = EService(
        agency_id=other.id,
        code="secret-inquiry",
        name_fa="استعلام",
        kind=ServiceKind.inquiry,
        audience=Audience.government,
        channels=["api"],
        maturity=4,
    )
    db_session.add(draft)
    db_session.commit()
    headers = api_headers(make_user(Role.agency_member, agency=own))
    dc = client.post(
        "/api/v1/migration/data-centers", json={"agency_id": own.id, "name": "DC"}, headers=headers
    )
    answers = []
    for inquiry_id in (draft.id, 2**31 - 1):
        body = {
            "agency_id": own.id,
            "data_center_id": dc.json["id"],
            "name": "app",
            "components": [{"name": "web", "image": "registry.cloud.gov.ir/app:1"}],
            "inquiry_ids": [inquiry_id],
        }
        response = client.post("/api/v1/migration/workloads", json=body, headers=headers)
        answers.append((response.status_code, response.get_data()))
    assert answers[0] == answers[1] and answers[0][0] == 422


def test_a_clash_no_check_could_see_is_409_naming_the_fields(settings, committed_platform):
    """The last resort: another transaction inserts the same plan after the service's check and commits
    while this request's insert waits on the unique index. The IntegrityError is 409 naming the
    columns, never 500 (a real race on PostgreSQL, ordered by the lock, not by timing)."""
    import threading

    from sqlalchemy import func, select, text
    from sqlalchemy.orm import Session

    from catalog.models import Agency, AgencyKind
    from core.actors import SYSTEM, Role
    from onboarding.plans.models import MigrationPlan
    from portal.accounts import services as accounts
    from portal.app import create_app
    from tests.fixtures.accounts import PASSWORD
    from tests.waiting import wait_until

    with Session(committed_platform) as session:
        agency = Agency(code="RACE", name_fa="مسابقه", name_en="Race", kind=AgencyKind.organization)
        session.add(agency)
        session.commit()
        agency_id = agency.id
        user = accounts.create_user(
            session,
            SYSTEM,
            email="race@test.govcloud.ir",
            name="race",
            role=Role.platform_admin,
            agency_id=None,
            password=PASSWORD,
        )
        _row, token = accounts.issue_token(session, SYSTEM, user.id, "race")
    client = create_app(settings).test_client()
    answers = {}

    def post() -> None:
        answers["plan"] = client.post(
            "/api/v1/migration/plans",
            json={"agency_id": agency_id, "name": "p", "cloud_plan": "small"},
            headers={"Authorization": f"Bearer {token}"},
        )

    with Session(committed_platform) as other, committed_platform.connect() as watcher:
        other.add(MigrationPlan(agency_id=agency_id, name="p", cloud_plan="small"))
        other.flush()  # inserted, not committed: the request's check cannot see it, its insert will wait
        request = threading.Thread(target=post)
        request.start()
        waiting = text(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )

        def request_waits() -> bool:
            watcher.rollback()  # pg_stat_activity is a snapshot per transaction: read it afresh
            return not request.is_alive() or bool(watcher.execute(waiting).scalar())

        wait_until(request_waits, what="the request waiting on the unique index")
        assert request.is_alive(), answers["plan"].get_data(as_text=True)
        other.commit()
    request.join(30)
    response = answers["plan"]
    assert response.status_code == 409, response.get_data(as_text=True)
    assert response.json["error"]["fields"] == {"agency_id": "already used", "name": "already used"}
    with Session(committed_platform) as session:
        assert session.scalar(select(func.count()).select_from(MigrationPlan)) == 1
