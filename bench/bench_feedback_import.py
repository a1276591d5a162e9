"""Employee import into PostgreSQL: rows per second and peak memory, first import and re-import,
beside reading and checking the same file without a database (the floor the import cannot beat).

Default 100,000 rows; `BENCH_EMPLOYEES=1000000` for the full figure the issue asks for.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from bench.feedback_common import bench_database, in_fresh_process, write_employees
from bench.table import Row

SIZE = int(os.environ.get("BENCH_EMPLOYEES", "100000"))


def _import(url: str, path: str) -> tuple[float, str]:
    from core.actors import SYSTEM
    from core.db import make_engine, make_sessionmaker
    from feedback.registry.importer import import_employees

    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        started = time.perf_counter()
        summary = import_employees(session, SYSTEM, Path(path), Path(path + ".rejects.csv"))
        elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed, summary.line()


def _check_only(path: str) -> tuple[float, str]:
    from feedback.registry.importer import check_row
    from feedback.registry.places import Places
    from feedback.registry.reading import open_source

    class _NoLocalCounties:
        def scalars(self, _statement: object) -> list:
            return []

    started = time.perf_counter()
    source = open_source(Path(path))
    places = Places(_NoLocalCounties())  # type: ignore[arg-type]
    good = sum(1 for raw in source.rows if isinstance(check_row(raw, places), dict))
    source.close()
    return time.perf_counter() - started, f"{good} good rows"


def run() -> list[Row]:
    size = f"{SIZE:,} employees"
    with tempfile.TemporaryDirectory() as folder, bench_database() as url:
        path = str(write_employees(Path(folder) / "employees.csv", SIZE))
        (check_seconds, _), check_mb = in_fresh_process(_check_only, path)
        (first_seconds, first_line), first_mb = in_fresh_process(_import, url, path)
        (again_seconds, again_line), again_mb = in_fresh_process(_import, url, path)
    assert first_line == f"imported {SIZE}, updated 0, unchanged 0, rejected 0", first_line
    assert again_line == f"imported 0, updated 0, unchanged {SIZE}, rejected 0", again_line
    baseline = SIZE / check_seconds
    rows = []
    for what, seconds, mb in (
        ("read + check rows, no database (floor)", check_seconds, check_mb),
        ("import into PostgreSQL (upserts + codes)", first_seconds, first_mb),
        ("re-import the same file (unchanged)", again_seconds, again_mb),
    ):
        rate = SIZE / seconds
        compared = "baseline" if seconds is check_seconds else f"{rate / baseline:.2f}x the floor"
        rows.append(Row(f"{what}: rows/s", size, rate, "rows/s", compared))
        rows.append(Row(f"{what}: peak memory", size, mb, "MB", f"{seconds:,.1f} s in all"))
    return rows
