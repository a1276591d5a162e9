"""Regression tests for the 500s that the API fuzzer and the crawler found (issue 15): each input
here once escaped as an unhandled database error; now it is a 422 naming the field."""

from __future__ import annotations

import pytest

from core.actors import SYSTEM, Role
from core.errors import ValidationError
from onboarding.plans import services as plans


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
