"""Regression tests for the 500s that the API fuzzer and the crawler found (issue 15): each input
here once escaped as an unhandled database error; now it is a 422 naming the field."""

from __future__ import annotations

import pytest
from sqlalchemy import literal_column

from catalog.models import Agency
from core.actors import SYSTEM, Role
from core.errors import ValidationError
from core.web import get_session, public
from onboarding.compliance.models import Program
from onboarding.compliance.services import update_program
from onboarding.plans import services as plans
from tests.fixtures.catalog import service_data
from tests.fixtures.web import csrf_token_from


def _plan(db_session, make_agency):
    agency = make_agency()
    return agency, plans.create_plan(db_session, SYSTEM, agency.id, "plan", "small")


@pytest.mark.parametrize(
    ("body", "field"),
    [({"number": 36028797018963967}, "number"), ({"number": 2, "name": "x" * 201}, "name")],
)
def test_a_wave_number_or_name_past_its_column_is_a_422(
    client, db_session, make_agency, make_user, api_headers, body, field
):
    agency, plan = _plan(db_session, make_agency)
    headers = api_headers(make_user(Role.agency_admin, agency=agency))
    response = client.post(f"/api/v1/migration/plans/{plan.id}/waves", json=body, headers=headers)
    assert response.status_code == 422
    assert field in response.json["error"]["fields"]


def test_the_domain_refuses_an_out_of_range_wave_whatever_the_caller(db_session, make_agency):
    _agency, plan = _plan(db_session, make_agency)
    with pytest.raises(ValidationError) as refused:
        plans.add_wave(db_session, SYSTEM, plan.id, 2**40)
    assert set(refused.value.fields) == {"number"}


def test_nul_in_a_form_or_in_json_is_a_422_naming_the_field(
    client, db_session, make_agency, make_user, sign_in, api_headers
):
    agency = make_agency()
    user = make_user(Role.agency_admin, agency=agency)
    sign_in(client, user)
    page = client.get("/account/tokens").get_data(as_text=True)
    form = client.post("/account/tokens", data={"label": "a\x00b", "csrf_token": csrf_token_from(page)})
    assert form.status_code == 422
    api = client.post(
        "/api/v1/services",
        json={**service_data("nul"), "agency": agency.code, "name_fa": "a\x00b"},
        headers=api_headers(user),
    )
    assert api.status_code == 422
    assert set(api.json["error"]["fields"]) == {"name_fa"}


def test_text_longer_than_its_column_is_a_422_naming_the_field(client, db_session, make_user, api_headers):
    program = Program(code="long", title_fa="برنامه")
    db_session.add(program)
    db_session.commit()
    headers = api_headers(make_user(Role.platform_admin))
    api = client.patch(
        f"/api/v1/programs/{program.id}", json={"title_fa": "x" * 301}, headers={**headers, "If-Match": "*"}
    )
    assert api.status_code == 422 and "title_fa" in api.json["error"]["fields"]
    # the same limit holds for every service, whatever the caller: checked before any SQL is sent
    with pytest.raises(ValidationError) as refused:
        update_program(db_session, SYSTEM, program.id, {"title_en": "x" * 301})
    assert refused.value.fields == {"title_en": "at most 300 characters"}


def test_an_id_past_any_row_is_a_field_error_not_a_500(client, db_session, make_agency, make_user, sign_in):
    agency, plan = _plan(db_session, make_agency)
    sign_in(client, make_user(Role.agency_admin, agency=agency))
    token = csrf_token_from(client.get(f"/migration/plans/{plan.id}").get_data(as_text=True))
    response = client.post(
        f"/migration/plans/{plan.id}/entries",
        data={"wave": "1", "workload_id": "99999999999999999999", "csrf_token": token},
    )
    assert response.status_code == 422  # the unknown reference names its field (it once reached SQL)


def test_an_export_of_a_program_whose_code_has_a_line_break_downloads(client, db_session, make_user, sign_in):
    program = Program(code="a\r\nb", title_fa="برنامه")
    db_session.add(program)
    db_session.commit()
    sign_in(client, make_user(Role.overseer))
    response = client.get(f"/programs/{program.id}/dashboard.csv")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="compliance-a_b.csv"'


def test_a_failed_flush_still_gets_the_error_page_when_signed_in(
    app, db_session, make_agency, make_user, sign_in
):
    """The error page reads the signed-in user: the failed transaction is rolled back first (the
    crawler's NUL once failed a flush, and the error page then failed too)."""
    agency_id = make_agency().id

    @public
    def fails() -> str:
        session = get_session()
        session.get(Agency, agency_id).name_en = literal_column("(1/0)::text")
        session.commit()
        return "unreachable"

    app.add_url_rule("/fails-on-purpose", "fails_on_purpose", fails)
    client = app.test_client()
    sign_in(client, make_user(Role.overseer))
    response = client.get("/fails-on-purpose")
    assert response.status_code == 500
    assert "<html" in response.get_data(as_text=True)


def test_a_form_with_text_too_long_comes_back_with_the_field_error(client, db_session, make_user, sign_in):
    program = Program(code="form", title_fa="برنامه")
    db_session.add(program)
    db_session.commit()
    sign_in(client, make_user(Role.platform_admin))
    page = client.get(f"/programs/{program.id}").get_data(as_text=True)
    response = client.post(
        f"/programs/{program.id}",
        data={"code": "form", "title_fa": "x" * 301, "csrf_token": csrf_token_from(page)},
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert 'id="p_title_fa"' in body and "field-error" in body
