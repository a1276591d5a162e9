"""Desk sheets: sheets per second and peak memory for a print batch, beside the naive way (one QR
PNG per page through an image library, segno's default mask search), measured in the same run.

Default batch 2,000 sheets (`BENCH_SHEETS=10000` for the issue's size); the naive baseline prints
at most 500 (it is slow). The last rows run two batches at once, as the feedback worker does with
its two processes on this two-core machine, and extrapolate the 2.5-million national run.
"""

from __future__ import annotations

import io
import os
import tempfile
import time
from pathlib import Path

from bench.feedback_common import bench_database, in_fresh_process, write_employees
from bench.table import Row

SIZE = int(os.environ.get("BENCH_SHEETS", "2000"))
NAIVE_SIZE = min(SIZE, 500)
NATIONAL = 2_500_000
BASE = "https://feedback.example.ir"


def _load(url: str, path: str) -> None:
    from core.actors import SYSTEM
    from core.db import make_engine, make_sessionmaker
    from feedback.registry.importer import import_employees

    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        import_employees(session, SYSTEM, Path(path), Path(path + ".rejects.csv"))
    engine.dispose()


def _print(url: str, agencies: list[str], out: str) -> tuple[float, int]:
    """Each agency's batch as a zip of one PDF per unit, one after the other."""
    from core.actors import SYSTEM
    from core.db import make_engine, make_sessionmaker
    from feedback.printing.services import Selection, print_batch

    engine = make_engine(url)
    sheets = 0
    with make_sessionmaker(engine)() as session:
        started = time.perf_counter()
        for agency in agencies:
            summary = print_batch(
                session, SYSTEM, Selection(agency_code=agency), Path(f"{out}-{agency}.zip"), BASE
            )
            sheets += summary.sheets
        elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed, sheets


def _print_naive(url: str, agency: str, out: str, limit: int) -> tuple[float, int]:
    """One PDF, a PNG of each QR made with segno's defaults and placed as an image on its page."""
    import segno
    from reportlab.lib.pagesizes import A5
    from reportlab.lib.units import mm
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen.canvas import Canvas

    from core.db import make_engine, make_sessionmaker
    from feedback.printing.sheets import BOLD, REGULAR, register_fonts, shaped
    from feedback.registry import queries

    register_fonts()
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        started = time.perf_counter()
        canvas = Canvas(out, pagesize=A5)
        count = 0
        for employee, code in queries.iter_sheet_rows(session, agency_code=agency):
            canvas.setFont(BOLD, 19)
            canvas.drawCentredString(A5[0] / 2, A5[1] - 42 * mm, shaped(employee.full_name))
            canvas.setFont(REGULAR, 12)
            canvas.drawCentredString(A5[0] / 2, A5[1] - 50 * mm, shaped(employee.position))
            canvas.drawCentredString(A5[0] / 2, A5[1] - 57 * mm, shaped(employee.unit))
            png = io.BytesIO()
            segno.make(f"{BASE}/e/{code.token}", error="m").save(png, kind="png", scale=10, border=4)
            png.seek(0)
            canvas.drawImage(ImageReader(png), (A5[0] - 100 * mm) / 2, 40 * mm, 100 * mm, 100 * mm)
            canvas.drawCentredString(A5[0] / 2, 24 * mm, code.short_code)
            canvas.showPage()
            count += 1
            if count >= limit:
                break
        canvas.save()
        elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed, count


def _two_at_once(url: str, agencies: list[str], folder: str) -> tuple[float, int]:
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    with context.Pool(2) as pool:
        results = pool.starmap(_print, [(url, [agency], f"{folder}/pair") for agency in agencies])
    # Wall time of the slower of the two, from its first query to its last byte (process start-up,
    # paid once per worker, is left out as it is for the one-process figure).
    return max(seconds for seconds, _n in results), sum(sheets for _s, sheets in results)


def run() -> list[Row]:
    with tempfile.TemporaryDirectory() as folder, bench_database() as url:
        path = str(write_employees(Path(folder) / "employees.csv", SIZE, agencies=2, units_per_agency=8))
        in_fresh_process(_load, url, path)
        agencies = _agencies(url)
        (naive_s, naive_n), naive_mb = in_fresh_process(
            _print_naive, url, agencies[0], f"{folder}/naive.pdf", NAIVE_SIZE
        )
        (ours_s, ours_n), ours_mb = in_fresh_process(_print, url, agencies, f"{folder}/one")
        (pair_s, pair_n), _pair_mb = in_fresh_process(_two_at_once, url, agencies, folder)
    naive_rate, ours_rate, pair_rate = naive_n / naive_s, ours_n / ours_s, pair_n / pair_s
    minutes = NATIONAL / pair_rate / 60
    return [
        Row("naive: PNG QR per page (baseline)", f"{naive_n:,} sheets", naive_rate, "sheets/s", "baseline"),
        Row("naive: peak memory", f"{naive_n:,} sheets", naive_mb, "MB", ""),
        Row(
            "vector QR, zip of PDFs per unit",
            f"{ours_n:,} sheets",
            ours_rate,
            "sheets/s",
            f"{ours_rate / naive_rate:.1f}x naive",
        ),
        Row("vector QR: peak memory", f"{ours_n:,} sheets", ours_mb, "MB", ""),
        Row(
            "two batches at once (2 processes)",
            f"{pair_n:,} sheets",
            pair_rate,
            "sheets/s",
            f"{pair_rate / ours_rate:.2f}x one process",
        ),
        Row(
            "2.5 million sheets, extrapolated",
            f"{NATIONAL:,} sheets",
            minutes,
            "minutes",
            f"naive: {NATIONAL / naive_rate / 60 / 2:,.0f} min on 2 processes",
        ),
    ]


def _agencies(url: str) -> list[str]:
    import sqlalchemy as sa

    from core.db import make_engine

    engine = make_engine(url)
    with engine.connect() as connection:
        codes = connection.execute(sa.text("SELECT DISTINCT agency_code FROM employees ORDER BY 1")).scalars()
        found = list(codes)
    engine.dispose()
    return found
