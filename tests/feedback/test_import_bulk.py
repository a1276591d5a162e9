"""The PostgreSQL import (COPY into staging, set-based checks): every kind of bad row gives the same
counts, rejects and stored rows as the row-by-row path; a re-import writes nothing; a run killed with
SIGKILL in any phase and started again ends as an uninterrupted run does."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select, text

from core import migrate
from core.actors import SYSTEM
from core.dates import ARABIC_DIGITS, PERSIAN_DIGITS
from core.db import make_engine, make_sessionmaker
from core.reference import find_province
from feedback.codes import short_codes
from feedback.codes.models import ACTIVE, EmployeeCode
from feedback.registry.bulk_import import WHITESPACE
from feedback.registry.importer import DATA_FIELDS, import_employees
from feedback.registry.models import Employee
from tests.feedback.helpers import HEADER, cli_env, employee_row, national, read_rejects
from tests.waiting import wait_until


def _line(**overrides: str) -> list[str]:
    row = employee_row(0, **overrides)
    return [row[c] for c in HEADER]


def _persian_dashed(code: str) -> str:
    persian = code.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    return f"{persian[:3]}-{persian[3:9]}-{persian[9]}"


def _nasty_file(path: Path) -> Path:
    """One row for each way a row can be refused or read oddly, written cell by cell so blank lines,
    ragged rows and a cell spanning two lines are as a spreadsheet export has them."""
    rows: list[list[str] | str] = [
        HEADER,
        _line(employment_code="E1"),  # 2: good
        "",  # 3: an empty line, skipped
        [""] * 10,  # 4: every cell empty, skipped
        _line(employment_code="1234.0", first_name="  علي\t\t رضا  ", last_name="كريمي ـ"),  # 5: cleaned
        _line(employment_code="E2")[:8],  # 6: short row: province and county missing
        [*_line(employment_code="E3"), "extra", ""],  # 7: longer than the header, kept
        _line(employment_code="E4", national_code=national(12345678).lstrip("0")),  # 8: leading zero restored
        _line(employment_code="E5", national_code=_persian_dashed(national(1234567))),  # 9: digits, dashes
        _line(employment_code="E6", national_code="1111111111"),  # 10: repeated digits
        _line(employment_code="E7", national_code="12345678901"),  # 11: eleven digits
        _line(employment_code="E8", national_code="123456789x"),  # 12: not digits
        _line(
            employment_code="E9", national_code=national(9)[:9] + str((int(national(9)[9]) + 1) % 10)
        ),  # 13
        _line(employment_code="E10", gender="F"),  # 14: good, female
        _line(employment_code="E11", gender="  x "),  # 15: bad gender
        _line(employment_code="E12", agency_code="mcth"),  # 16: good, case folded
        _line(employment_code="E13", agency_code="ZZZ"),  # 17
        _line(employment_code="E14", province="Fars", county="Shiraz"),  # 18: good, English names
        _line(employment_code="E15", province="آتلانتیس"),  # 19
        _line(employment_code="E16", county="شهرک تازه"),  # 20
        _line(employment_code="E" + "9" * 32),  # 21: 33 characters
        _line(employment_code="E17", first_name="ن" * 101),  # 22
        _line(employment_code="E1", unit="دیگر"),  # 23: duplicate of line 2
        _line(employment_code="E50", first_name=""),  # 24: bad, does not claim E50
        _line(employment_code="E50"),  # 25: good
        _line(employment_code="E50", unit="سوم"),  # 26: duplicate of line 25
        _line(employment_code="E51", unit="واحد\nدوم"),  # 27-28: one cell over two lines
        _line(employment_code="E52", gender="نامعلوم"),  # 29: its line counts the line above twice
        _line(employment_code=""),  # 30: missing employment code, other cells present
        _line(employment_code="E53", position="  "),  # 31: blank after stripping
        _line(employment_code="E54", last_name="\u00a0احمدی\u00a0 \u00a0زاده"),  # 32: no-break spaces
        [" "] * 10,  # 33: spaces only, skipped as blank
        _line(employment_code=" E55 ", national_code=national(55) + ".0"),  # 34: trimmed, `.0` dropped
        _line(employment_code="E56", unit="\u2003واحد ۵\u3000"),  # 35: other white space at the ends
        # 36: a plain line (nothing to clean) but for its national code's Latin dashes
        _line(
            employment_code="E57", national_code=f"{national(57)[:3]}-{national(57)[3:9]}-{national(57)[9]}"
        ),
    ]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        for row in rows:
            if isinstance(row, str):
                handle.write(row + "\r\n")
            else:
                writer.writerow(row)
    return path


EXPECTED_REJECTS = {
    6: "missing_field",
    10: "bad_national_code",
    11: "bad_national_code",
    12: "bad_national_code",
    13: "bad_national_code",
    15: "bad_gender",
    17: "unknown_agency",
    19: "unknown_province",
    20: "unknown_county",
    21: "too_long",
    22: "too_long",
    23: "duplicate_in_file",
    24: "missing_field",
    26: "duplicate_in_file",
    29: "bad_gender",
    30: "missing_field",
    31: "missing_field",
}


def _stored(session) -> dict[str, tuple]:
    columns = [getattr(Employee, f) for f in DATA_FIELDS]
    return {row[0]: tuple(row[1:]) for row in session.execute(select(Employee.employment_code, *columns))}


def _rejects(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def test_every_kind_of_bad_row_gives_the_row_by_row_paths_counts_rejects_and_rows(feedback_session, tmp_path):
    path = _nasty_file(tmp_path / "nasty.csv")
    summary = import_employees(feedback_session, SYSTEM, path, tmp_path / "pg-rejects.csv")
    assert summary.line() == f"imported 14, updated 0, unchanged 0, rejected {len(EXPECTED_REJECTS)}"
    rejects = _rejects(tmp_path / "pg-rejects.csv")
    assert {int(r[0]): r[1] for r in rejects[1:]} == EXPECTED_REJECTS
    by_line = {int(r[0]): r for r in rejects[1:]}
    assert by_line[6][3:] == _line(employment_code="E2")[:8]  # the short row as given, not padded
    assert by_line[23][2] == "employment_code E1 already appears on line 2"
    assert by_line[26][2] == "employment_code E50 already appears on line 25"
    assert by_line[15][2] == "gender 'x' is not male/female (مرد/زن)"
    stored = _stored(feedback_session)
    assert stored["1234"][1:3] == ("علی رضا", "کریمی")
    assert stored["E54"][2] == "احمدی زاده" and stored["E56"][5] == "واحد ۵"
    assert stored["E57"][0] == national(57)  # a plain line's dashed national code, cleaned all the same
    assert stored["E51"][5] == "واحد\nدوم"
    assert stored["E4"][0] == national(12345678) and stored["E55"][0] == national(55)
    assert stored["E5"][0] == national(1234567) and stored["E10"][3] == "female"
    assert stored["E14"][-2] == find_province("فارس").code

    url = f"sqlite:///{tmp_path / 'feedback.db'}"
    migrate.upgrade("feedback", url)
    engine = make_engine(url)
    with make_sessionmaker(engine)() as sqlite_session:
        row_by_row = import_employees(
            sqlite_session, SYSTEM, path, tmp_path / "sqlite-rejects.csv", batch_size=4
        )
        assert row_by_row.line() == summary.line()
        # the same rows, words and cells (row by row writes a later batch's duplicates as it meets them)
        row_by_row_rejects = _rejects(tmp_path / "sqlite-rejects.csv")
        assert row_by_row_rejects[0] == rejects[0]
        assert sorted(row_by_row_rejects[1:], key=lambda r: int(r[0])) == rejects[1:]
        assert _stored(sqlite_session) == stored
    engine.dispose()


def test_excel_goes_through_the_same_staging(feedback_session, tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append(_line(employment_code="X1"))
    sheet.append([None] * 10)
    sheet.append(_line(employment_code="X1", unit="دیگر"))
    sheet.append(
        [4242, int(national(12345678)), "مریم", "احمدی", None, "مدیر", "دفتر", "MCTH", "فارس", "شیراز"]
    )
    path = tmp_path / "e.xlsx"
    workbook.save(path)
    summary = import_employees(feedback_session, SYSTEM, path, tmp_path / "rejects.csv")
    assert summary.line() == "imported 2, updated 0, unchanged 0, rejected 1"
    [reject] = read_rejects(tmp_path / "rejects.csv")
    assert (reject["line"], reject["reason"]) == ("4", "duplicate_in_file")
    assert _stored(feedback_session)["4242"][0] == national(12345678)


def test_a_reimport_is_unchanged_and_writes_no_row(feedback_session, tmp_path):
    path = _nasty_file(tmp_path / "nasty.csv")
    first = import_employees(feedback_session, SYSTEM, path, tmp_path / "r1.csv")

    def versions() -> set[tuple]:
        employees = feedback_session.execute(text("SELECT id, xmin::text, updated_at FROM employees")).all()
        codes = feedback_session.execute(text("SELECT id, xmin::text, token FROM employee_codes")).all()
        return {tuple(r) for r in employees} | {tuple(r) for r in codes}

    before = versions()
    again = import_employees(feedback_session, SYSTEM, path, tmp_path / "r2.csv")
    assert again.line() == f"imported 0, updated 0, unchanged {first.imported}, rejected {first.rejected}"
    assert versions() == before  # same row versions: nothing was rewritten
    assert _rejects(tmp_path / "r2.csv") == _rejects(tmp_path / "r1.csv")


def test_codes_issued_in_sql_are_192_bit_tokens_and_luhn_short_codes(feedback_session, tmp_path):
    path = tmp_path / "e.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for n in range(1, 301):
            row = employee_row(n)
            writer.writerow([row[c] for c in HEADER])
    assert import_employees(feedback_session, SYSTEM, path, tmp_path / "r.csv").imported == 300
    codes = feedback_session.scalars(select(EmployeeCode)).all()
    assert len(codes) == 300 and {c.status for c in codes} == {ACTIVE}
    assert len({c.employee_id for c in codes}) == 300
    assert all(len(c.token) == 32 and set(c.token) <= set(_URLSAFE) for c in codes)
    assert all(short_codes.is_well_formed(c.short_code) for c in codes)
    assert len({c.token for c in codes}) == len({c.short_code for c in codes}) == 300


_URLSAFE = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def test_the_whitespace_stripped_in_sql_is_pythons():
    assert "".join(ch for ch in map(chr, range(0x110000)) if ch.isspace()) == WHITESPACE


def test_a_line_is_plain_only_when_the_cleaning_would_change_none_of_its_cells():
    """Every character the checks' cleaning changes (digits, Arabic letter forms, the tatweel, a tab
    or a no-break space, any white space at a cell's ends) makes a line not plain, and so do two
    spaces in a row; other white space inside a name changes nothing, and a clean line of Persian
    text (a ZWNJ in a name included) is plain. A block of lines says of each what the line alone
    says."""
    from feedback.registry.bulk_import import _flags, _plain_block
    from feedback.registry.importer import clean_text, employment_code_of

    def plain(line: str) -> bool:
        return _flags(line) == "f,t"

    def unchanged(line: str) -> bool:
        cells = line.split(",")
        texts = [cells[2], cells[3], cells[5], cells[6]]
        return (
            employment_code_of(cells[0]) == cells[0]
            and all(clean_text(t) == t for t in texts)
            and all(c.strip() == c for c in cells)
        )

    clean = "E1,0012345679,علی,رضایی,مرد,کارشناس امور,واحد 3,MCTH,تهران,تهران"
    assert plain(clean)
    assert plain("E1,0012345679,علی,رضایی,مرد,کارشناس امور,واحد\u200cسوم,MCTH,تهران,تهران")
    lines = []
    for ch in PERSIAN_DIGITS + ARABIC_DIGITS + "يىكـ" + WHITESPACE.replace("\r", "").replace("\n", ""):
        lines += [
            f"E1,0012345679,عل{ch}ی,رضایی,مرد,کارشناس,واحد,MCTH,تهران,تهران",
            f"E1,0012345679,علی{ch},رضایی,مرد,کارشناس,واحد,MCTH,تهران,تهران",
            f"E1,0012345679,علی,رضایی,مرد,کارشناس,واحد,MCTH,تهران,{ch}تهران",
            f"E1,0012345679,علی,رضایی,مرد,کارشناس,واحد,MCTH,تهران,تهران{ch}",
            f"{ch}E1,0012345679,علی,رضایی,مرد,کارشناس,واحد,MCTH,تهران,تهران",
            f"E{ch}1,0012345679,علی,رضایی,مرد,کارشناس,واحد,MCTH,تهران,تهران",
        ]
    lines += [clean.replace("کارشناس امور", "کارشناس  امور"), " " + clean, clean + " "]
    for line in lines:
        assert not plain(line) or unchanged(line), line
    assert not plain(lines[0].replace("عل", "عل٣"))
    assert not plain("E1,0012345679,علی,رضایی,مرد,کارشناس\tامور,واحد,MCTH,تهران,تهران")
    assert not plain(" " + clean)
    count, block = _plain_block("\r\n".join([clean, *lines]) + "\r\n", 2, 9)
    assert count == len(lines) + 1
    assert block == "".join(f"{line},{n},,{_flags(line)}\n" for n, line in enumerate([clean, *lines], 2))
    assert _plain_block(f"{clean}\n{clean}\n", 7, 9) == (2, f"{clean},7,,f,t\n{clean},8,,f,t\n")
    assert _plain_block(clean + "\n" + clean + ",\n", 2, 9) is None  # a line of another width
    assert _plain_block(clean + "\r" + clean + "\n", 2, 9) is None  # a lone \r ends a line


def _big_file(path: Path, count: int) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for n in range(1, count + 1):
            row = employee_row(n, national_code=national(100_000 + n))
            writer.writerow([row[c] for c in HEADER])
        writer.writerow(_line(employment_code="E000001"))  # one duplicate, so rejects are written too
    return path


def _import_process(settings, path: Path) -> subprocess.Popen:
    govcloud = Path(sys.executable).with_name("govcloud")
    return subprocess.Popen(
        [str(govcloud), "feedback", "import-employees", str(path)],
        env={**os.environ, **cli_env(settings)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _statement_running(engine, prefix: str) -> bool:
    with engine.connect() as connection:
        return bool(
            connection.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND state = 'active' AND ltrim(query, E' \\n') LIKE :prefix"
                ),
                {"prefix": prefix + "%"},
            )
        )


@pytest.mark.parametrize(
    "phase",
    ["COPY import_raw", "CREATE TEMP TABLE import_checked", "WITH added AS"],
    ids=["copy", "checks", "employees-and-their-codes"],
)
def test_an_import_killed_in_any_phase_and_run_again_ends_as_an_uninterrupted_one(
    settings, committed_feedback, tmp_path, phase
):
    path = _big_file(tmp_path / "employees.csv", 20_000)
    process = _import_process(settings, path)
    try:
        wait_until(
            lambda: _statement_running(committed_feedback, phase), timeout=120, interval=0.01, what=phase
        )
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait()
    with make_sessionmaker(committed_feedback)() as session:
        # one transaction: nothing of the killed run is left
        assert session.scalar(select(func.count()).select_from(Employee)) == 0
    again = _import_process(settings, path)
    output, _ = again.communicate(timeout=600)
    assert again.returncode == 0, output
    assert "imported 20000, updated 0, unchanged 0, rejected 1" in output
    with make_sessionmaker(committed_feedback)() as session:
        assert session.scalar(select(func.count()).select_from(Employee)) == 20_000
        assert session.scalar(select(func.count(func.distinct(Employee.employment_code)))) == 20_000
        active = select(func.count(func.distinct(EmployeeCode.employee_id))).where(
            EmployeeCode.status == ACTIVE
        )
        assert session.scalar(active) == 20_000
        assert session.scalar(select(func.count()).select_from(EmployeeCode)) == 20_000
    rejects = read_rejects(path.with_name("employees-rejects.csv"))
    assert [(r["line"], r["reason"]) for r in rejects] == [("20002", "duplicate_in_file")]


def test_a_file_of_all_different_places_is_resolved_in_chunks(feedback_session, tmp_path):
    rows = [employee_row(n, agency_code=f"A{n}", county=f"C{n}") for n in range(1, 8)]
    rows += [employee_row(8), employee_row(9, province="Fars", county="Shiraz")]
    path = tmp_path / "e.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for row in rows:
            writer.writerow([row[c] for c in HEADER])
    # batches of 3: many chunks from a small file
    summary = import_employees(feedback_session, SYSTEM, path, tmp_path / "r.csv", batch_size=3)
    assert summary.line() == "imported 2, updated 0, unchanged 0, rejected 7"
    assert {r["reason"] for r in read_rejects(tmp_path / "r.csv")} == {"unknown_agency"}


def _schema(session) -> set[tuple]:
    """The registry tables' indexes and constraints, as the catalog defines them."""
    indexes = session.execute(
        text("SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN ('employees', 'employee_codes')")
    ).all()
    constraints = session.execute(
        text(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid IN ('employees'::regclass, 'employee_codes'::regclass)"
        )
    ).all()
    return {tuple(r) for r in indexes} | {tuple(r) for r in constraints}


def test_a_large_load_rebuilds_the_indexes_and_ends_as_a_small_one(feedback_session, tmp_path):
    """A load at least the registry's size sets its indexes aside and builds them again (threshold
    lowered to 1 row here): the same rows, codes and rejects as the ordinary path, every index and
    constraint back as it was, codes unique against the ones issued before."""
    schema = _schema(feedback_session)
    first = _big_file(tmp_path / "first.csv", 40)
    assert import_employees(feedback_session, SYSTEM, first, tmp_path / "r0.csv").imported == 40
    path = _big_file(tmp_path / "employees.csv", 300)
    summary = import_employees(feedback_session, SYSTEM, path, tmp_path / "r1.csv", large_load_rows=1)
    assert summary.line() == "imported 260, updated 0, unchanged 40, rejected 1"
    assert _schema(feedback_session) == schema
    codes = feedback_session.scalars(select(EmployeeCode)).all()
    assert len(codes) == 300 and len({c.employee_id for c in codes}) == 300
    assert len({c.token for c in codes}) == len({c.short_code for c in codes}) == 300
    assert all(short_codes.is_well_formed(c.short_code) for c in codes)
    assert [(r["line"], r["reason"]) for r in read_rejects(tmp_path / "r1.csv")] == [
        ("302", "duplicate_in_file")
    ]
    # 260 new against 40 held: large; then 10 new against 300 held is not, whatever the threshold
    more = _big_file(tmp_path / "more.csv", 310)
    again = import_employees(feedback_session, SYSTEM, more, tmp_path / "r2.csv", large_load_rows=1)
    assert again.line() == "imported 10, updated 0, unchanged 300, rejected 1"
    assert _schema(feedback_session) == schema


def test_short_codes_drawn_twice_in_a_large_load_are_drawn_again_and_the_oldest_kept(
    feedback_session, tmp_path
):
    """With the indexes set aside nothing refuses a short code drawn twice: the large load redraws
    every holder of one but its oldest (perhaps printed already), until each is unique, and the
    unique indexes are then built again."""
    from feedback.registry.bulk_import import _rebuild_indexes, _redraw_duplicates, _set_indexes_aside

    path = _big_file(tmp_path / "employees.csv", 5)
    import_employees(feedback_session, SYSTEM, path, tmp_path / "r.csv")
    before = {c.id: (c.token, c.short_code) for c in feedback_session.scalars(select(EmployeeCode))}
    first, second, third, fourth, fifth = sorted(before)
    cursor = feedback_session.connection().connection.driver_connection.cursor()
    rebuild = _set_indexes_aside(cursor)
    cursor.execute(
        "UPDATE employee_codes SET short_code = %s WHERE id IN (%s, %s)", (before[first][1], second, third)
    )
    cursor.execute("UPDATE employee_codes SET short_code = %s WHERE id = %s", (before[fourth][1], fifth))
    _redraw_duplicates(cursor)
    _rebuild_indexes(cursor, rebuild)
    after = {c.id: (c.token, c.short_code) for c in feedback_session.scalars(select(EmployeeCode))}
    assert after[first] == before[first] and after[fourth] == before[fourth]
    assert all(after[i][0] != before[i][0] for i in (second, third, fifth))  # drawn again: token too
    assert len({code for _, code in after.values()}) == 5
    assert all(short_codes.is_well_formed(code) for _, code in after.values())
