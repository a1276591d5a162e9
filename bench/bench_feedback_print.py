"""Desk sheets: sheets per second of the print run (zip of PDFs per unit, from PostgreSQL), the raw
PDF writer beside the previous method (reportlab canvas drawing the QR module by module, segno),
both measured in the same run, on two processes as the feedback worker runs on this two-core
machine, and the national run of 2.5 million sheets extrapolated from the two-process rate.

Size: `BENCH_SHEETS` employees (default 2,000; the issue's figure is taken at 100,000), in two
agencies of 8 units. The previous method is slow, so it prints one unit per process (an eighth of
an agency, both processes at once); the raw writer prints each whole agency per process. Timing
runs from a process's first query to its last byte; process start-up is left out for both.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from bench.feedback_common import bench_database, in_fresh_process, write_employees
from bench.table import Row

SIZE = int(os.environ.get("BENCH_SHEETS", "2000"))
NATIONAL = 2_500_000
TARGET_MINUTES = 15
BASE = "https://feedback.example.ir"


def _load(url: str, path: str) -> None:
    from core.actors import SYSTEM
    from core.db import make_engine, make_sessionmaker
    from feedback.registry.importer import import_employees

    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        import_employees(session, SYSTEM, Path(path), Path(path + ".rejects.csv"))
    engine.dispose()


def _print(url: str, agency: str, unit: str, out: str, previous: bool) -> tuple[float, int]:
    """One part (an agency, or one of its units) as a zip of one PDF per unit."""
    from core.actors import SYSTEM
    from core.db import make_engine, make_sessionmaker
    from feedback.printing import services
    from feedback.printing.services import Selection, print_batch

    if previous:  # the previous writer, run through the same batch code
        from bench.reportlab_sheets import SheetWriter

        services.SheetWriter = SheetWriter  # type: ignore[misc]
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        started = time.perf_counter()
        summary = print_batch(session, SYSTEM, Selection(agency_code=agency, unit=unit), Path(out), BASE)
        elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed, summary.sheets


def _two_at_once(url: str, parts: list[tuple[str, str]], folder: str, previous: bool) -> tuple[float, int]:
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    with context.Pool(2) as pool:
        results = pool.starmap(
            _print,
            [
                (url, agency, unit, f"{folder}/{agency}-{index}.zip", previous)
                for index, (agency, unit) in enumerate(parts)
            ],
        )
    # Wall time of the slower of the two, from its first query to its last byte.
    return max(seconds for seconds, _n in results), sum(sheets for _s, sheets in results)


def run() -> list[Row]:
    with tempfile.TemporaryDirectory() as folder, bench_database() as url:
        path = str(write_employees(Path(folder) / "employees.csv", SIZE, agencies=2, units_per_agency=8))
        in_fresh_process(_load, url, path)
        agencies, unit = _agencies_and_a_unit(url)
        (old_s, old_n), _old_mb = in_fresh_process(
            _two_at_once, url, [(a, unit) for a in agencies], f"{folder}/old", True
        )
        (one_s, one_n), one_mb = in_fresh_process(_print, url, agencies[0], "", f"{folder}/one/a.zip", False)
        (two_s, two_n), _two_mb = in_fresh_process(
            _two_at_once, url, [(a, "") for a in agencies], f"{folder}/two", False
        )
    old_rate, one_rate, two_rate = old_n / old_s, one_n / one_s, two_n / two_s
    minutes, old_minutes = NATIONAL / two_rate / 60, NATIONAL / old_rate / 60
    return [
        Row(
            "print, previous method (reportlab, segno), 2 processes",
            f"{old_n:,} sheets",
            old_rate,
            "sheets/s",
            "baseline",
        ),
        Row(
            "print, raw PDF writer (zxing-cpp), 1 process",
            f"{one_n:,} sheets",
            one_rate,
            "sheets/s",
            f"{one_rate / old_rate * 2:.1f}x previous per process",
        ),
        Row("print, raw PDF writer: peak memory, 1 process", f"{one_n:,} sheets", one_mb, "MB", ""),
        Row(
            "print, raw PDF writer, 2 processes",
            f"{two_n:,} sheets",
            two_rate,
            "sheets/s",
            f"{two_rate / old_rate:.1f}x previous; target 2,800",
        ),
        Row(
            "print 2.5M sheets, extrapolated (2 processes)",
            f"{NATIONAL:,} sheets",
            minutes,
            "minutes",
            f"previous {old_minutes:,.0f} min; target {TARGET_MINUTES}",
        ),
    ]


def _agencies_and_a_unit(url: str) -> tuple[list[str], str]:
    import sqlalchemy as sa

    from core.db import make_engine

    engine = make_engine(url)
    with engine.connect() as connection:
        agencies = list(
            connection.execute(sa.text("SELECT DISTINCT agency_code FROM employees ORDER BY 1")).scalars()
        )
        unit = connection.execute(sa.text("SELECT min(unit) FROM employees")).scalar_one()
    engine.dispose()
    return agencies, unit
