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
    form = client.get("/migration/workloads/new").get_data(as_text=True)
    parse_html(form)
    assert 'name="components-0-image"' in form and agency.code in form
    response = client.post(
        "/migration/workloads",
        data={
            "csrf_token": csrf_token_from(form),
            "name": "payroll",
            "data_center_id": dc.id,
            "components-0-name": "web",
            "components-0-image": "Bad Image",
            "components-0-replicas": "0",
        },
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


def test_a_workload_is_created_in_the_form_with_a_row_per_component(
    client, db_session, make_agency, make_user, sign_in
):
    agency, dc, existing = _setup(db_session, make_agency, make_user, sign_in, client)
    token = csrf_token_from(client.get("/migration/workloads/new").get_data(as_text=True))
    response = client.post(
        "/migration/workloads",
        data={
            "csrf_token": token,
            "name": "payroll",
            "title": "حقوق و دستمزد",
            "data_center_id": dc.id,
            "classification": "confidential",
            "depends_on_ids": [existing.id],
            "components-0-name": "web",
            "components-0-image": "registry.cloud.gov.ir/payroll/web:2.1",
            "components-0-ports": "8080, 8443",
            "components-0-replicas": "3",
            "components-0-cpu": "500m",
            "components-0-memory": "512Mi",
            "components-0-env": "MODE=production\nLANG=fa",
            "components-0-secrets": "payroll-db, payroll-mail",
            "components-0-expose": "on",
            "components-1-name": "db",
            "components-1-image": "registry.cloud.gov.ir/payroll/db:15",
            "components-1-ports": "5432",
            "components-1-storage": "20Gi",
            "components-2-name": "",
        },
    )
    assert response.status_code == 302
    workload = db_session.scalars(select(Workload).where(Workload.name == "payroll")).one()
    assert workload.agency_id == agency.id and workload.depends_on == [existing]
    web, database = workload.components
    assert (
        web["ports"] == [8080, 8443]
        and web["replicas"] == 3
        and web["env"] == {"MODE": "production", "LANG": "fa"}
    )
    assert web["secrets"] == ["payroll-db", "payroll-mail"] and database["storage"] == "20Gi"
    edit = client.get(f"/migration/workloads/{workload.id}/edit").get_data(as_text=True)
    assert "payroll-mail" in edit and "20Gi" in edit  # the same form edits it


def test_platform_admins_and_parent_agencies_create_workloads_for_the_agency_they_choose(
    client, db_session, make_agency, make_user, sign_in
):
    parent = make_agency()
    child = make_agency(parent=parent)
    dc = inventory.create_data_center(db_session, SYSTEM, child.id, "مرکز زیرمجموعه")
    for user in (make_user(Role.platform_admin), make_user(Role.agency_admin, agency=parent)):
        sign_in(client, user)
        choice = client.get("/migration/workloads/new").get_data(as_text=True)
        parse_html(choice)
        assert child.code in choice
        form = client.get(f"/migration/workloads/new?agency={child.code}").get_data(as_text=True)
        parse_html(form)
        assert "مرکز زیرمجموعه" in form
        name = f"app-{user.id}"
        response = client.post(
            "/migration/workloads",
            data={
                "csrf_token": csrf_token_from(form),
                "agency_code": child.code,
                "name": name,
                "data_center_id": dc.id,
                "components-0-name": "web",
                "components-0-image": "registry.cloud.gov.ir/app:1",
                "components-0-ports": "8080",
            },
        )
        assert response.status_code == 302, response.get_data(as_text=True)
        assert db_session.scalars(select(Workload).where(Workload.name == name)).one().agency_id == child.id
    outsider = make_user(Role.agency_admin, agency=make_agency())
    sign_in(client, outsider)
    token = csrf_token_from(client.get("/migration/workloads/new").get_data(as_text=True))
    response = client.post(
        "/migration/workloads",
        data={"csrf_token": token, "agency_code": child.code, "name": "x", "data_center_id": dc.id},
    )
    assert response.status_code == 422 and "agency_code" in response.get_data(as_text=True)


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
