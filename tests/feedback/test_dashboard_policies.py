"""Who sees which dashboard scope: account scope × requested scope × expected answer."""

from __future__ import annotations

import pytest

from core.errors import ValidationError
from feedback.dashboards.policies import can_rank_employees, can_view_scope, report_in_scope
from feedback.dashboards.scopes import ACCOUNT_KINDS, Scope, parse_scope

NATION = Scope("nation")
TEHRAN = Scope("province", "IR-23")
MARKAZI = Scope("province", "IR-00")
TEHRAN_COUNTY = Scope("county", "2301")
ARAK = Scope("county", "0001")
ITO = Scope("agency", "ITO")
SSO = Scope("agency", "SSO")
ITO_IT = Scope("unit", "ITO/اداره فناوری")
ITO_HR = Scope("unit", "ITO/اداره منابع انسانی")
SSO_IT = Scope("unit", "SSO/اداره فناوری")
EMPLOYEE = Scope("employee", "7")
MICT = Scope("agency", "MICT")  # the ministry above ITO
ITO_TEHRAN = Scope("office", "ITO/IR-23")
ITO_DAMAVAND = Scope("office", "ITO/IR-23/2302")
SSO_TEHRAN = Scope("office", "SSO/IR-23")
ITO_MARKAZI = Scope("office", "ITO/IR-00")

VIEW = [
    # account, requested, employee's unit, expected
    (NATION, NATION, "", True),
    (NATION, TEHRAN, "", True),
    (NATION, ARAK, "", True),
    (NATION, SSO_IT, "", True),
    (NATION, EMPLOYEE, "ITO/اداره فناوری", True),
    (TEHRAN, TEHRAN, "", True),
    (TEHRAN, TEHRAN_COUNTY, "", True),
    (TEHRAN, NATION, "", False),
    (TEHRAN, MARKAZI, "", False),
    (TEHRAN, ARAK, "", False),
    (TEHRAN, ITO, "", False),
    (TEHRAN, EMPLOYEE, "ITO/اداره فناوری", False),
    (ITO, ITO, "", True),
    (ITO, ITO_IT, "", True),
    (ITO, ITO_HR, "", True),
    (ITO, EMPLOYEE, "ITO/اداره فناوری", True),
    (ITO, NATION, "", False),
    (ITO, SSO, "", False),
    (ITO, SSO_IT, "", False),
    (ITO, TEHRAN, "", False),
    (ITO, EMPLOYEE, "SSO/اداره فناوری", False),
    (ITO_IT, ITO_IT, "", True),
    (ITO_IT, EMPLOYEE, "ITO/اداره فناوری", True),
    (ITO_IT, EMPLOYEE, "ITO/اداره منابع انسانی", False),
    (ITO_IT, ITO, "", False),
    (ITO_IT, ITO_HR, "", False),
    (ITO_IT, SSO_IT, "", False),
    (ITO_IT, NATION, "", False),
    # a ministry sees its organizations, their units, offices and employees; they do not see it
    (MICT, ITO, "", True),
    (MICT, ITO_IT, "", True),
    (MICT, ITO_DAMAVAND, "", True),
    (MICT, EMPLOYEE, "ITO/اداره فناوری", True),
    (MICT, SSO, "", False),
    (MICT, SSO_TEHRAN, "", False),
    (MICT, EMPLOYEE, "SSO/اداره فناوری", False),
    (ITO, MICT, "", False),
    (ITO, ITO_TEHRAN, "", True),
    (ITO, SSO_TEHRAN, "", False),
    # a province sees every agency's office in it, not the agency as a whole
    (TEHRAN, ITO_TEHRAN, "", True),
    (TEHRAN, ITO_DAMAVAND, "", True),
    (TEHRAN, SSO_TEHRAN, "", True),
    (TEHRAN, ITO_MARKAZI, "", False),
    (NATION, ITO_MARKAZI, "", True),
    (ITO_IT, ITO_TEHRAN, "", False),
    (None, NATION, "", False),
    (None, ITO_IT, "", False),
]


@pytest.mark.parametrize(("account", "requested", "unit", "expected"), VIEW)
def test_each_account_sees_its_scope_and_below_only(account, requested, unit, expected):
    assert can_view_scope(account, requested, unit) is expected


@pytest.mark.parametrize(
    ("account", "unit", "expected"),
    [
        (ITO_IT, ITO_IT, True),
        (ITO_IT, ITO_HR, False),
        (ITO, ITO_IT, False),
        (NATION, ITO_IT, False),
        (None, ITO_IT, False),
    ],
)
def test_only_the_units_own_head_ranks_its_employees(account, unit, expected):
    assert can_rank_employees(account, unit) is expected


@pytest.mark.parametrize(
    ("account", "agency", "province", "expected"),
    [
        (NATION, "SSO", "IR-23", True),
        (TEHRAN, "SSO", "IR-23", True),
        (TEHRAN, "SSO", "IR-00", False),
        (SSO, "SSO", "IR-00", True),
        (ITO, "SSO", "IR-23", False),
        (SSO_IT, "SSO", "IR-23", False),
        (MICT, "ITO", "IR-00", True),  # a ministry handles its organizations' reports
        (MICT, "SSO", "IR-23", False),
        (ITO, "MICT", "IR-23", False),
    ],
)
def test_missing_code_reports_reach_their_agency_and_province(account, agency, province, expected):
    assert report_in_scope(account, agency, province) is expected


def test_scopes_are_parsed_and_normalized():
    assert parse_scope("nation") == NATION
    assert parse_scope("province:ir-23") == TEHRAN
    assert parse_scope(" agency:ito ") == ITO
    assert parse_scope("unit:ito/ اداره فناوری") == ITO_IT
    assert parse_scope("employee:007") == EMPLOYEE
    assert parse_scope("office:ito/ir-23") == Scope("office", "ITO/IR-23")
    assert parse_scope("agency:ito/anything") == ITO  # an agency scope leaves a unit out


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("employee:x7", "not an id"),
        ("employee:99999999999", "not an id"),
        ("office:ITO", "bad office"),
        ("office:NOPE/IR-23", "unknown agency"),
        ("office:ITO/IR-99", "unknown province"),
        ("office:ITO/IR-23/nope", "unknown county"),
    ],
)
def test_bad_scopes_of_every_kind_say_what_is_wrong(text, problem):
    with pytest.raises(ValidationError) as error:
        parse_scope(text)
    assert error.value.fields == {"scope": problem}


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("planet", "unknown kind"),
        ("province:", "missing value"),
        ("province:IR-99", "unknown province"),
        ("agency:NOPE", "unknown agency"),
        ("unit:ITO", "missing unit name"),
        ("county:2301", "unknown kind"),
    ],
)
def test_bad_account_scopes_say_what_is_wrong(text, problem):
    with pytest.raises(ValidationError) as error:
        parse_scope(text, ACCOUNT_KINDS)
    assert error.value.fields == {"scope": problem}
