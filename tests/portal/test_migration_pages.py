"""Migration pages: inventory with a clear error for an invalid workload, the plan board, the run page."""

from __future__ import annotations

from sqlalchemy import func, select

from core.actors import SYSTEM, Role
from onboarding.inventory import services as inventory
from onboarding.inventory.models import Workload
from onboarding.plans import services as plans
from onboarding.runs.services import start_run
from tests.fixtures.web import csrf_token_from, parse_html

COMPONENTS = [{"name": "web", "image": "registry.cloud.gov.ir/app:1", "ports": [8080]}]


def _setup(db_session, make_agency, make_user, sign_in, client):
    agency = make_agency()
    user = make_user(Role.agency_member, agency=agency)
    sign_in(client, user)
    dc = inventory.create_data_center(db_session, SYSTEM, agency.id, "مرکز داده تهران", "تهران")
    workload = inventory.create_workload(
        db_session, SYSTEM, agency.id, data_center_id=dc.id, name="hr-portal", components=COMPONENTS
    )
    return agency, dc, workload


def test_the_inventory_lists_workloads_in_persian(client, db_session, make_agency, make_user, sign_in):
    _setup(db_session, make_agency, make_user, sign_in, client)
    body = client.get("/migration/").get_data(as_text=True)
    parse_html(body)
    assert "مرکز داده تهران" in body and "hr-portal" in body and "در مرکز داده" in body


def test_an_invalid_workload_is_shown_field_by_field_and_nothing_is_saved(
    client, db_session, make_agency, make_user, sign_in
):
    agency, dc, _ = _setup(db_session, make_agency, make_user, sign_in, client)
    token = csrf_token_from(client.get("/migration/").get_data(as_text=True))
    components = "- name: web\n  image: Bad Image\n  replicas: 0\n"
    response = client.post(
        "/migration/workloads",
        data={"csrf_token": token, "name": "payroll", "data_center_id": dc.id, "components": components},
    )
    body = response.get_data(as_text=True)
    parse_html(body)
    assert response.status_code == 422
    assert "components[0].image" in body and "components[0].replicas" in body
    assert "Bad Image" in body  # what the user typed is kept
    count = db_session.scalar(
        select(func.count()).select_from(Workload).where(Workload.agency_id == agency.id)
    )
    assert count == 1

    response = client.post(
        "/migration/workloads",
        data={
            "csrf_token": token,
            "name": "payroll",
            "data_center_id": dc.id,
            "components": "- name: [unclosed",
        },
    )
    assert response.status_code == 422 and "not YAML at line" in response.get_data(as_text=True)


def test_the_plan_board_shows_waves_with_jalali_dates_and_reasons(
    client, db_session, make_agency, make_user, sign_in
):
    agency, _, workload = _setup(db_session, make_agency, make_user, sign_in, client)
    plan = plans.create_plan(db_session, SYSTEM, agency.id, "طرح ۱۴۰۴", "medium")
    plans.add_wave(db_session, SYSTEM, plan.id, 1, "نخست", "1404/01/15")
    plans.schedule_workload(db_session, SYSTEM, plan.id, 1, workload.id)
    body = client.get(f"/migration/plans/{plan.id}").get_data(as_text=True)
    parse_html(body)
    assert "موج ۱" in body and "۱۵ فروردین ۱۴۰۴" in body
    assert "hr-portal depends on no other workload" in body


def test_the_run_page_and_its_status(client, db_session, make_agency, make_user, sign_in):
    _, _, workload = _setup(db_session, make_agency, make_user, sign_in, client)
    run = start_run(db_session, SYSTEM, workload.id)
    body = client.get(f"/migration/runs/{run.id}").get_data(as_text=True)
    parse_html(body)
    assert 'src="/static/js/run-progress.js"' in body and "<progress" in body
    status = client.get(f"/migration/runs/{run.id}/status.json").json
    assert status["status"] == "pending" and status["progress"] == 0
    assert [s["name"] for s in status["steps"]][:2] == ["landing_zone", "deploy"]


def test_a_plan_is_built_on_its_board_and_refuses_a_bad_order(
    client, db_session, make_agency, make_user, sign_in
):
    agency, dc, database = _setup(db_session, make_agency, make_user, sign_in, client)
    portal = inventory.create_workload(
        db_session,
        SYSTEM,
        agency.id,
        data_center_id=dc.id,
        name="hr-web",
        components=COMPONENTS,
        depends_on_ids=[database.id],
    )
    token = csrf_token_from(client.get("/migration/").get_data(as_text=True))
    created = client.post(
        "/migration/plans", data={"csrf_token": token, "name": "طرح", "cloud_plan": "small"}
    )
    assert created.status_code == 302
    board = created.headers["Location"]
    client.post(f"{board}/waves", data={"csrf_token": token, "number": 1, "target_date": "1404/02/01"})
    refused = client.post(f"{board}/entries", data={"csrf_token": token, "wave": 1, "workload_id": portal.id})
    body = refused.get_data(as_text=True)
    parse_html(body)
    assert refused.status_code == 422 and "hr-web depends on hr-portal, which is not in this plan" in body
    assert "۱) hr-portal" in body and "۲) hr-web" in body  # the order dependencies suggest
    accepted = client.post(
        f"{board}/entries", data={"csrf_token": token, "wave": 1, "workload_id": database.id}
    )
    assert accepted.status_code == 302
    assert "۱ اردیبهشت ۱۴۰۴" in client.get(board).get_data(as_text=True)
