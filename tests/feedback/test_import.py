"""Importing the employee registry: every reject reason, Persian input, re-imports, moves."""

from __future__ import annotations

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from core.actors import SYSTEM, Actor
from core.errors import NotAuthorized, ValidationError
from feedback.codes.models import EmployeeCode
from feedback.registry.importer import import_employees
from feedback.registry.models import Employee
from feedback.registry.services import add_county
from tests.feedback.helpers import HEADER, employee_row, national, read_rejects, write_csv


def _import(session, tmp_path, rows, name="employees.csv", **kwargs):
    path = write_csv(tmp_path / name, rows, **kwargs)
    return import_employees(session, SYSTEM, path, tmp_path / "rejects.csv", batch_size=3)


def test_every_reject_reason_is_reported_with_its_line_and_good_rows_are_kept(feedback_session, tmp_path):
    rows = [
        employee_row(1),  # line 2: good
        employee_row(2, national_code="1234567890"),  # line 3: bad check digit
        employee_row(3, national_code="1111111111"),  # line 4: repeated digits pass the sum
        employee_row(4, national_code="12345"),  # line 5: too short
        employee_row(1, first_name="دیگر"),  # line 6: duplicate of line 2
        employee_row(5, province="آتلانتیس"),  # line 7
        employee_row(6, county="شهرک تازه"),  # line 8
        employee_row(7, last_name=""),  # line 9
        employee_row(8, agency_code="NOPE"),  # line 10
        employee_row(9, gender="نامعلوم"),  # line 11
        employee_row(10),  # line 12: good
        employee_row(11, position="x" * 201),  # line 13
    ]
    summary = _import(feedback_session, tmp_path, rows)
    assert summary.line() == "imported 2, updated 0, unchanged 0, rejected 10"
    rejects = {int(r["line"]): r for r in read_rejects(tmp_path / "rejects.csv")}
    assert {line: r["reason"] for line, r in rejects.items()} == {
        3: "bad_national_code",
        4: "bad_national_code",
        5: "bad_national_code",
        6: "duplicate_in_file",
        7: "unknown_province",
        8: "unknown_county",
        9: "missing_field",
        10: "unknown_agency",
        11: "bad_gender",
        13: "too_long",
    }
    assert "line 2" in rejects[6]["message"]
    assert "last_name" in rejects[9]["message"]
    assert "govcloud feedback add-county" in rejects[8]["message"]
    assert rejects[7]["employment_code"] == "E000005"  # the row as given, to fix and import again
    stored = feedback_session.scalars(select(Employee.employment_code).order_by(Employee.id)).all()
    assert stored == ["E000001", "E000010"]


def test_duplicate_across_batches_is_caught_by_the_database(feedback_session, tmp_path):
    rows = [employee_row(n) for n in range(1, 8)] + [employee_row(2, unit="دیگر")]
    summary = _import(feedback_session, tmp_path, rows)  # batch size 3: line 3's twin is in a later batch
    assert summary.line() == "imported 7, updated 0, unchanged 0, rejected 1"
    [reject] = read_rejects(tmp_path / "rejects.csv")
    assert reject["line"] == "9" and "line 3" in reject["message"]
    assert feedback_session.scalar(select(Employee.unit).where(Employee.employment_code == "E000002")) == (
        "اداره کل فناوری"
    )


def test_persian_headers_persian_and_arabic_digits_and_arabic_letters(feedback_session, tmp_path):
    code = national(4242)
    persian_digits = code.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    arabic_digits = national(4243).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    labels = [
        "کد استخدامی",
        "کد ملی",
        "نام",
        "نام خانوادگی",
        "جنسیت",
        "سمت",
        "واحد",
        "کد دستگاه",
        "استان",
        "شهرستان",
    ]
    rows = [
        employee_row(1, employment_code="۱۲۳۴", national_code=persian_digits, first_name="علي", county="ري"),
        employee_row(2, national_code=arabic_digits, province="Tehran", county="Shemiranat", gender="female"),
        employee_row(3, province="كهگيلويه و بويراحمد", county="بويراحمد"),
    ]
    summary = _import(feedback_session, tmp_path, rows, labels=labels)
    assert summary.line() == "imported 3, updated 0, unchanged 0, rejected 0", read_rejects(
        tmp_path / "rejects.csv"
    )
    first = feedback_session.scalar(select(Employee).where(Employee.employment_code == "1234"))
    assert first.national_code == code
    assert first.first_name == "علی"  # Arabic ي stored as Persian ی
    assert first.county_code == "2303"  # ری
    second = feedback_session.scalar(select(Employee).where(Employee.employment_code == "E000002"))
    assert (second.county_code, second.gender) == ("2304", "female")


def test_header_in_any_order_and_missing_column_is_a_clear_error(feedback_session, tmp_path):
    shuffled = list(reversed(HEADER))
    summary = _import(feedback_session, tmp_path, [employee_row(1)], columns=shuffled)
    assert summary.imported == 1
    without_county = [c for c in HEADER if c != "county"]
    with pytest.raises(ValidationError, match="county"):
        _import(feedback_session, tmp_path, [employee_row(2)], name="b.csv", columns=without_county)


def test_reimport_changes_nothing_and_a_move_keeps_the_code(feedback_session, tmp_path):
    rows = [employee_row(n) for n in range(1, 6)]
    assert _import(feedback_session, tmp_path, rows).imported == 5
    before = {
        c.employee.employment_code: (c.token, c.short_code, c.employee.updated_at)
        for c in feedback_session.scalars(select(EmployeeCode))
    }
    again = _import(feedback_session, tmp_path, rows)
    assert again.line() == "imported 0, updated 0, unchanged 5, rejected 0"
    feedback_session.expire_all()
    after = {
        c.employee.employment_code: (c.token, c.short_code, c.employee.updated_at)
        for c in feedback_session.scalars(select(EmployeeCode))
    }
    assert after == before
    rows[2] = employee_row(3, unit="اداره کل امور مالی", province="فارس", county="شیراز")
    moved = _import(feedback_session, tmp_path, rows)
    assert moved.line() == "imported 0, updated 1, unchanged 4, rejected 0"
    feedback_session.expire_all()
    employee = feedback_session.scalar(select(Employee).where(Employee.employment_code == "E000003"))
    assert employee.unit == "اداره کل امور مالی"
    assert feedback_session.scalar(select(func.count()).select_from(EmployeeCode)) == 5
    code = feedback_session.scalar(select(EmployeeCode).where(EmployeeCode.employee_id == employee.id))
    assert code.token == before["E000003"][0]


def test_excel_with_numbers_for_codes_drops_no_leading_zero(feedback_session, tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(
        ["کد ملی", "کد استخدامی", "نام", "نام خانوادگی", "سمت", "واحد", "کد دستگاه", "استان", "شهرستان"]
    )
    leading_zero = national(12345678)  # 012345678x: Excel stores it as a 9-digit number
    assert leading_zero.startswith("0")
    sheet.append([int(leading_zero), 98765, "مریم", "احمدی", "مدیر", "دفتر", "MCTH", "فارس", "شیراز"])
    sheet.append([None, None, None, None, None, None, None, None, None])  # blank rows are skipped
    sheet.append([int(national(5)), 98766, "سارا", "", "مدیر", "دفتر", "MCTH", "فارس", "شیراز"])
    path = tmp_path / "employees.xlsx"
    workbook.save(path)
    summary = import_employees(feedback_session, SYSTEM, path, tmp_path / "rejects.csv")
    assert summary.line() == "imported 1, updated 0, unchanged 0, rejected 1"
    [reject] = read_rejects(tmp_path / "rejects.csv")
    assert (reject["line"], reject["reason"]) == ("4", "missing_field")
    employee = feedback_session.scalar(select(Employee).where(Employee.employment_code == "98765"))
    assert employee.national_code == leading_zero and employee.gender is None


def test_a_county_added_by_a_registry_admin_is_accepted(feedback_session, tmp_path):
    rows = [employee_row(1, province="Tehran", county="پردیس جدید")]
    assert _import(feedback_session, tmp_path, rows).rejected == 1
    add_county(feedback_session, SYSTEM, "تهران", "پردیس جدید", "New Pardis")
    summary = _import(feedback_session, tmp_path, rows)
    assert summary.imported == 1


def test_only_registry_admins_import(feedback_session, tmp_path):
    path = write_csv(tmp_path / "e.csv", [employee_row(1)])
    viewer = Actor(id=9, role="dashboard_viewer")
    with pytest.raises(NotAuthorized):
        import_employees(feedback_session, viewer, path, tmp_path / "rejects.csv")


def test_a_rejected_row_comes_back_without_anything_a_spreadsheet_would_run(feedback_session, tmp_path):
    """The rejects file echoes what was uploaded: a cell such as `=HYPERLINK(...)` is written as text."""
    hostile = '=HYPERLINK("http://evil.example","fix me")'
    _import(feedback_session, tmp_path, [employee_row(1, first_name=hostile, province="@SUM(1)")])
    [reject] = read_rejects(tmp_path / "rejects.csv")
    assert (reject["first_name"], reject["province"]) == ("'" + hostile, "'@SUM(1)")
