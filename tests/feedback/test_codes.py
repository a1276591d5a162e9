"""Desk codes: tokens, short codes, reissue, deactivation, and the pages a citizen reaches."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.actors import SYSTEM, Actor
from core.errors import NotAuthorized, NotFound
from feedback.codes import short_codes
from feedback.codes.models import REPLACED, EmployeeCode
from feedback.codes.services import (
    ScanState,
    insert_codes,
    new_token,
    reissue_code,
    resolve_token,
    token_for_short_code,
)
from feedback.registry.models import Employee
from feedback.registry.services import set_employee_active
from tests.feedback.helpers import code_of, employee_row, seed_employees


@pytest.fixture
def two_employees(feedback_session, tmp_path):
    seed_employees(feedback_session, tmp_path, [employee_row(1), employee_row(2, first_name="مریم")])
    return feedback_session


def test_every_employee_gets_a_long_random_token_and_a_checked_short_code(two_employees):
    codes = two_employees.scalars(select(EmployeeCode)).all()
    assert len(codes) == 2
    for code in codes:
        assert len(code.token) >= 32  # token_urlsafe(24): 192 bits
        assert short_codes.is_well_formed(code.short_code)
        assert code.employee.national_code not in code.token + code.short_code
    assert codes[0].token != codes[1].token


def test_a_token_collision_is_retried_with_fresh_randomness(feedback_session, tmp_path):
    seed_employees(feedback_session, tmp_path, [employee_row(1)])
    taken = code_of(feedback_session, "E000001").token
    employee = Employee(**{k: v for k, v in employee_row(2).items() if k not in {"province", "county"}})
    employee.province_code, employee.county_code, employee.national_code = "IR-23", "2301", "0012345679"
    feedback_session.add(employee)
    feedback_session.flush()
    answers = iter([taken])
    insert_codes(feedback_session, [employee.id], tokens=lambda: next(answers, None) or new_token())
    new = code_of(feedback_session, "E000002")
    assert new is not None and new.token != taken


def test_reissue_replaces_the_old_token_and_short_code(two_employees):
    old = code_of(two_employees, "E000001")
    old_token, old_short = old.token, old.short_code
    new = reissue_code(two_employees, SYSTEM, old.employee_id)
    assert new.token != old_token
    assert resolve_token(two_employees, old_token).state == ScanState.replaced
    assert not resolve_token(two_employees, old_token).takes_responses
    assert resolve_token(two_employees, new.token).state == ScanState.open
    with pytest.raises(NotFound):
        token_for_short_code(two_employees, old_short)
    assert token_for_short_code(two_employees, new.short_code) == new.token
    assert two_employees.scalar(select(func.count()).where(EmployeeCode.status == REPLACED)) == 1


def test_deactivated_employee_keeps_the_code_but_takes_no_responses(two_employees):
    code = code_of(two_employees, "E000002")
    set_employee_active(two_employees, SYSTEM, code.employee_id, False)
    scan = resolve_token(two_employees, code.token)
    assert scan.state == ScanState.inactive and not scan.takes_responses
    set_employee_active(two_employees, SYSTEM, code.employee_id, True)
    assert resolve_token(two_employees, code.token).state == ScanState.open


def test_short_code_accepts_persian_digits_and_spaces_and_rejects_typos(two_employees):
    code = code_of(two_employees, "E000001")
    typed = short_codes.grouped(code.short_code).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    assert token_for_short_code(two_employees, typed) == code.token
    typo = code.short_code[:-1] + str((int(code.short_code[-1]) + 1) % 10)
    assert not short_codes.is_well_formed(typo)
    with pytest.raises(NotFound):
        token_for_short_code(two_employees, typo)


@pytest.mark.parametrize(
    ("actor", "allowed"),
    [
        (SYSTEM, True),
        (Actor(id=1, role="registry_admin"), True),
        (Actor(id=2, role="dashboard_viewer", scope_kind="agency", scope_value="MCTH"), False),
        (Actor(id=None, role="citizen"), False),
    ],
)
def test_who_may_reissue_and_deactivate(two_employees, actor, allowed):
    employee_id = code_of(two_employees, "E000001").employee_id
    for action in (
        lambda: reissue_code(two_employees, actor, employee_id),
        lambda: set_employee_active(two_employees, actor, employee_id, False),
    ):
        if allowed:
            action()
        else:
            with pytest.raises(NotAuthorized):
                action()


def test_national_code_rules():
    from feedback.registry import national_code

    assert national_code.is_valid("0499370899")
    assert not national_code.is_valid("0499370898")
    assert all(not national_code.is_valid(str(d) * 10) for d in range(10))
    assert national_code.normalize("۰۴۹۹-۳۷۰۸۹۹") == "0499370899"
    assert national_code.normalize("499370899") == "0499370899"  # a spreadsheet dropped the zero
    assert national_code.mask("0499370899") == "******0899"
