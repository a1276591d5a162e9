"""Printed sheets: rasterized with pdftoppm, every QR decoded with zbarimg, each to the right URL."""

from __future__ import annotations

import re
import subprocess
import zipfile
from pathlib import Path

import arabic_reshaper
import pytest
from sqlalchemy import select

from core.actors import SYSTEM
from core.errors import ValidationError
from feedback.codes.models import ACTIVE, EmployeeCode
from feedback.printing.services import Selection, print_batch
from feedback.registry.models import Employee
from feedback.registry.services import set_employee_active
from tests.feedback.helpers import code_of, employee_row, seed_employees

BASE = "https://feedback.example.ir"


def _decode(pdf: Path, workdir: Path) -> list[list[str]]:
    """The QR payloads found on each page, in page order."""
    prefix = workdir / pdf.stem
    subprocess.run(["pdftoppm", "-r", "110", "-gray", "-png", str(pdf), str(prefix)], check=True)
    pages = []
    for image in sorted(workdir.glob(f"{pdf.stem}-*.png")):
        result = subprocess.run(
            ["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(image)],
            capture_output=True,
            text=True,
        )
        pages.append(sorted(line for line in result.stdout.splitlines() if line))
    return pages


def _expected(session, employment_codes: list[str]) -> dict[str, str]:
    return {c: f"{BASE}/e/{code_of(session, c).token}" for c in employment_codes}


@pytest.fixture
def batch(committed_feedback, feedback_session, tmp_path):
    """Counts by agency and province: the registry starts empty (emptied first, then rolled back)."""
    rows = [employee_row(n, unit="دفتر فناوری" if n % 2 else "امور مالی") for n in range(1, 6)]
    rows.append(employee_row(6, agency_code="MOI"))  # another agency: not in the batch
    seed_employees(feedback_session, tmp_path, rows)
    return feedback_session


def test_every_printed_qr_decodes_to_its_employees_url(batch, tmp_path):
    out = tmp_path / "mcth.pdf"
    summary = print_batch(batch, SYSTEM, Selection(agency_code="MCTH"), out, BASE)
    assert summary.sheets == 5
    pages = _decode(out, tmp_path)
    assert len(pages) == 5 and all(len(p) == 1 for p in pages)
    expected = _expected(batch, [f"E{n:06d}" for n in range(1, 6)])
    assert sorted(p[0] for p in pages) == sorted(expected.values())
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True).stdout
    assert "Vazirmatn" in fonts and all(line.split()[-5] == "yes" for line in fonts.splitlines()[2:])


def test_two_sheets_per_a4_page_each_decodes(batch, tmp_path):
    out = tmp_path / "two-up.pdf"
    print_batch(batch, SYSTEM, Selection(agency_code="MCTH"), out, BASE, per_page=2)
    pages = _decode(out, tmp_path)
    assert [len(p) for p in pages] == [2, 2, 1]
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True).stdout
    width, height = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info).groups())
    assert (round(width), round(height)) == (842, 595)  # A4 landscape: two A5 portrait halves
    assert sorted(u for p in pages for u in p) == sorted(
        _expected(batch, [f"E{n:06d}" for n in range(1, 6)]).values()
    )


def test_zip_has_one_pdf_per_unit_and_skips_deactivated(batch, tmp_path):
    gone = code_of(batch, "E000003")
    set_employee_active(batch, SYSTEM, gone.employee_id, False)
    out = tmp_path / "mcth.zip"
    seen = []
    summary = print_batch(
        batch, SYSTEM, Selection(agency_code="MCTH"), out, BASE, progress=lambda d, t: seen.append((d, t))
    )
    assert summary.sheets == 4 and seen[-1] == (4, 4)
    with zipfile.ZipFile(out) as archive:
        names = sorted(archive.namelist())
        assert names == ["MCTH/امور مالی.pdf", "MCTH/دفتر فناوری.pdf"]
        archive.extractall(tmp_path / "unzipped")
    urls = []
    for name in names:
        urls += [u for page in _decode(tmp_path / "unzipped" / name, tmp_path) for u in page]
    assert f"{BASE}/e/{gone.token}" not in urls
    assert sorted(urls) == sorted(_expected(batch, ["E000001", "E000002", "E000004", "E000005"]).values())


def test_batch_by_province_and_by_list(batch, tmp_path):
    by_list = print_batch(
        batch, SYSTEM, Selection(employment_codes=("E000002", "E000006")), tmp_path / "l.pdf", BASE
    )
    assert by_list.sheets == 2
    by_province = print_batch(batch, SYSTEM, Selection(province="Tehran"), tmp_path / "p.pdf", BASE)
    assert by_province.sheets == 6
    with pytest.raises(ValidationError):
        print_batch(batch, SYSTEM, Selection(), tmp_path / "all.pdf", BASE)
    with pytest.raises(ValidationError):
        print_batch(batch, SYSTEM, Selection(agency_code="NOPE"), tmp_path / "x.pdf", BASE)


def test_large_units_are_split_into_parts(batch, tmp_path):
    out = tmp_path / "parts.zip"
    print_batch(
        batch, SYSTEM, Selection(agency_code="MCTH", unit="دفتر فناوری"), out, BASE, sheets_per_file=2
    )
    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == ["MCTH/دفتر فناوری - part 2.pdf", "MCTH/دفتر فناوری.pdf"]
    codes = batch.scalars(select(EmployeeCode).join(Employee).where(EmployeeCode.status == ACTIVE)).all()
    assert len(codes) == 6


def test_a_province_batch_keeps_same_named_units_of_two_agencies_apart(feedback_session, tmp_path):
    rows = [employee_row(n, agency_code="MCTH" if n % 2 else "MOI", unit="دبیرخانه") for n in range(1, 9)]
    seed_employees(feedback_session, tmp_path, rows)
    out = tmp_path / "tehran.zip"
    summary = print_batch(feedback_session, SYSTEM, Selection(province="تهران"), out, BASE, sheets_per_file=3)
    assert summary.sheets == 8
    with zipfile.ZipFile(out) as archive:
        names = archive.namelist()
    assert sorted(names) == [
        "MCTH/دبیرخانه - part 2.pdf",
        "MCTH/دبیرخانه.pdf",
        "MOI/دبیرخانه - part 2.pdf",
        "MOI/دبیرخانه.pdf",
    ]


def test_sheets_of_a_whole_unit_decode_at_100_dpi_and_carry_their_persian_text(feedback_session, tmp_path):
    """A unit of 30 sheets (symbols of every size a token URL takes), rendered at 100 dpi: every QR
    decodes to its own URL, and the text layer reads back the shaped Persian names."""
    rows = [employee_row(n, unit="دبیرخانه") for n in range(1, 31)]
    seed_employees(feedback_session, tmp_path, rows)
    out = tmp_path / "unit.zip"
    summary = print_batch(feedback_session, SYSTEM, Selection(agency_code="MCTH"), out, BASE)
    assert summary.sheets == 30
    with zipfile.ZipFile(out) as archive:
        assert archive.namelist() == ["MCTH/دبیرخانه.pdf"]
        archive.extractall(tmp_path / "unzipped")
    pdf = tmp_path / "unzipped" / "MCTH" / "دبیرخانه.pdf"
    subprocess.run(["pdftoppm", "-r", "100", "-gray", "-png", str(pdf), str(tmp_path / "p")], check=True)
    urls = []
    for image in sorted(tmp_path.glob("p-*.png")):
        result = subprocess.run(
            ["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(image)],
            capture_output=True,
            text=True,
        )
        found = [line for line in result.stdout.splitlines() if line]
        assert len(found) == 1, image.name
        urls += found
    assert sorted(urls) == sorted(_expected(feedback_session, [f"E{n:06d}" for n in range(1, 31)]).values())
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    # Joined letter forms (shaped), read back in logical order by the text extractor.
    assert arabic_reshaper.reshape("طرح نظرسنجی از عملکرد کارکنان دولت") in text
    assert arabic_reshaper.reshape("علی رضایی") in text
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    width, height = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info).groups())
    assert (round(width), round(height)) == (420, 595)  # A5 portrait


def test_a_zip_printed_on_the_embedded_sqlite_decodes(tmp_path):
    """The embedded database (`make run`'s default): the same keyset read in the print order, across
    chunk boundaries, and every QR of the zip decodes to its employee's URL."""
    from core import migrate
    from core.db import make_engine, make_sessionmaker
    from feedback.registry import queries

    url = f"sqlite:///{tmp_path / 'feedback.db'}"
    migrate.upgrade("feedback", url)
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        rows = [employee_row(n, unit="امور مالی" if n % 3 else "دفتر فناوری") for n in range(1, 8)]
        seed_employees(session, tmp_path, rows)
        read = [row.employee_id for row in queries.iter_sheet_rows(session, agency_code="MCTH", chunk=2)]
        assert sorted(read) == sorted(set(read)) and len(read) == 7
        out = tmp_path / "sqlite.zip"
        summary = print_batch(session, SYSTEM, Selection(agency_code="MCTH"), out, BASE)
        assert summary.sheets == 7 and summary.files == 2
        expected = _expected(session, [f"E{n:06d}" for n in range(1, 8)])
        with zipfile.ZipFile(out) as archive:
            found = []
            for name in archive.namelist():
                pdf = tmp_path / Path(name).name
                pdf.write_bytes(archive.read(name))
                found += [url for page in _decode(pdf, tmp_path) for url in page]
        assert sorted(found) == sorted(expected.values())
    engine.dispose()
