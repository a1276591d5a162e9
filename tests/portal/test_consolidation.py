"""The consolidation view (issue 21): per data center its agency, province and capacity as the
inventory records it, totals, the timeline of retirements (done and planned), the same rows as CSV
and Excel; capacity is edited on the data center's page and through the API, never negative."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from core.actors import SYSTEM, Role
from onboarding.inventory import services as inventory
from onboarding.inventory.models import DataCenter
from onboarding.plans import services as plans
from tests.fixtures.web import csrf_token_from, parse_html

COMPONENTS = [{"name": "web", "image": "registry.cloud.gov.ir/app:1", "ports": [8080]}]
CAPACITY = {"servers": 42, "racks": 7, "power_kw": 130, "yearly_cost_rials": 9_000_000_000}


@pytest.fixture
def centers(db_session, tree):
    """A's Fars office has a data center with its capacity and one planned for a dated wave; B has one."""
    fars = inventory.create_data_center(db_session, SYSTEM, tree.a1.id, "مرکز شیراز", capacity=CAPACITY)
    planned = inventory.create_data_center(db_session, SYSTEM, tree.a.id, "مرکز قدیمی")
    workload = inventory.create_workload(
        db_session, SYSTEM, tree.a.id, data_center_id=planned.id, name="legacy", components=COMPONENTS
    )
    plan = plans.create_plan(db_session, SYSTEM, tree.a.id, "plan", "small")
    plans.add_wave(db_session, SYSTEM, plan.id, 1, "first", dt.date(2027, 3, 1))
    plans.schedule_workload(db_session, SYSTEM, plan.id, 1, workload.id)
    other = inventory.create_data_center(
        db_session, SYSTEM, tree.b.id, "مرکز محرمانه ب", capacity={"servers": 5}
    )
    return fars, planned, other


def test_the_page_shows_agency_province_capacity_and_the_timeline_of_its_agencies_only(
    client, sign_in, make_user, db_session, tree, centers
):
    fars, _planned, _other = centers
    inventory.set_data_center_status(db_session, SYSTEM, fars.id, "retired")
    assert fars.retired_at is not None
    sign_in(client, make_user(Role.agency_member, agency=tree.a))
    body = client.get("/migration/consolidation").get_data(as_text=True)
    parse_html(body)
    assert "مرکز شیراز" in body and "اداره کل آزمون الف فارس" in body and "فارس" in body
    assert "۴۲" in body and "۱۳۰" in body and "۹٬۰۰۰٬۰۰۰٬۰۰۰" in body
    assert "مرکز قدیمی" in body and "اسفند ۱۴۰۵" in body  # the planned retirement's month
    assert "مرکز محرمانه ب" not in body


def test_csv_and_excel_carry_the_same_rows_as_the_page(client, sign_in, make_user, tree, centers):
    sign_in(client, make_user(Role.agency_member, agency=tree.a))
    response = client.get("/migration/consolidation.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    book = load_workbook(io.BytesIO(client.get("/migration/consolidation.xlsx").data))
    sheet_rows = [
        ["" if value is None else str(value) for value in row]
        for row in book.active.iter_rows(values_only=True)
    ]
    assert rows == sheet_rows
    assert len(rows) == 3  # the header and A's two data centers, not B's
    shiraz = next(row for row in rows if "مرکز شیراز" in row)
    assert shiraz[4:8] == ["42", "7", "130", "9000000000"]
    assert "مرکز محرمانه ب" not in response.get_data(as_text=True)
    assert client.get("/migration/consolidation.pdf").status_code == 404


def test_capacity_is_edited_on_the_page_and_a_negative_figure_is_a_422_naming_it(
    client, sign_in, make_user, db_session, tree, api_headers, centers
):
    _fars, planned, _other = centers
    member = make_user(Role.agency_member, agency=tree.a)
    sign_in(client, member)
    path = f"/migration/data-centers/{planned.id}"
    token = csrf_token_from(client.get(path).get_data(as_text=True))
    form = {"csrf_token": token, "version": "1", "name": planned.name, "status": "active"}
    bad = client.post(path, data={**form, "servers": "-3", "racks": "2"})
    assert bad.status_code == 422 and "سرورها" in bad.get_data(as_text=True)
    db_session.refresh(planned)
    assert planned.servers is None and planned.racks is None  # nothing of the refused form is saved
    saved = client.post(path, data={**form, "servers": "12", "racks": "", "power_kw": "40"})
    assert saved.status_code == 302
    url = f"/api/v1/migration/data-centers/{planned.id}"
    fetched = client.get(url, headers=api_headers(member))
    assert fetched.json["servers"] == 12 and fetched.json["racks"] is None and fetched.json["power_kw"] == 40
    headers = {**api_headers(member), "If-Match": fetched.headers["ETag"]}
    negative = client.patch(url, json={"yearly_cost_rials": -1}, headers=headers)
    assert negative.status_code == 422 and set(negative.json["error"]["fields"]) == {"yearly_cost_rials"}
    for field, value in (("servers", 2**40), ("racks", 1.5)):
        refused = client.patch(url, json={field: value}, headers=headers)
        assert refused.status_code == 422 and set(refused.json["error"]["fields"]) == {field}
    done = client.patch(url, json={"yearly_cost_rials": 500, "servers": None}, headers=headers)
    assert done.status_code == 200 and done.json["yearly_cost_rials"] == 500 and done.json["servers"] is None


def test_the_api_creates_a_data_center_with_its_capacity(client, make_user, tree, api_headers):
    member = make_user(Role.agency_member, agency=tree.a)
    body = {"agency_id": tree.a.id, "name": "مرکز نو", "racks": -2}
    refused = client.post("/api/v1/migration/data-centers", json=body, headers=api_headers(member))
    assert refused.status_code == 422 and set(refused.json["error"]["fields"]) == {"racks"}
    created = client.post(
        "/api/v1/migration/data-centers", json={**body, "racks": 3}, headers=api_headers(member)
    )
    assert created.status_code == 201 and created.json["racks"] == 3 and created.json["servers"] is None


def test_the_inventory_import_records_capacity_and_names_a_bad_figure(db_session, tree):
    from core.errors import ValidationError
    from onboarding.inventory.importer import import_inventory

    document = {"agency": "TMA", "data_centers": [{"name": "مرکز وارده", "servers": 8, "power_kw": 20}]}
    import_inventory(db_session, SYSTEM, document)
    imported = db_session.scalar(select(DataCenter).where(DataCenter.name == "مرکز وارده"))
    assert (imported.servers, imported.racks, imported.power_kw) == (8, None, 20)
    with pytest.raises(ValidationError) as refused:
        import_inventory(db_session, SYSTEM, {"agency": "TMA", "data_centers": [{"name": "x", "racks": -1}]})
    assert set(refused.value.fields) == {"data_centers[0].racks"}
