"""Employee import into PostgreSQL: rows per second and peak memory of the first import and of the
re-import of the same file, beside a bare COPY of that file into a table of text columns in the same
run (the floor: reading the file into the database and nothing else).

Default 100,000 rows; `BENCH_EMPLOYEES=2500000` for the national figure the issue asks for (under 60 s).
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from bench.feedback_common import bench_database, in_fresh_process, write_employees
from bench.table import Row

SIZE = int(os.environ.get("BENCH_EMPLOYEES", "100000"))
COPY_BLOCK = 1 << 20


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


def _bare_copy(url: str, path: str) -> tuple[float, str]:
    """The file's bytes straight into COPY … (FORMAT csv, HEADER): no line numbers, no checks."""
    import psycopg
    from sqlalchemy.engine import make_url

    from feedback.registry.schemas import COLUMNS

    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn) as connection, connection.cursor() as cursor:
        started = time.perf_counter()
        columns = ", ".join(f"{c} text" for c in COLUMNS)
        cursor.execute(f"CREATE TEMP TABLE bare_copy ({columns})")
        with (
            open(path, "rb") as handle,
            cursor.copy("COPY bare_copy FROM STDIN (FORMAT csv, HEADER)") as copy,
        ):
            while block := handle.read(COPY_BLOCK):
                copy.write(block)
        connection.commit()
        elapsed = time.perf_counter() - started
        cursor.execute("SELECT count(*) FROM bare_copy")
        (rows,) = cursor.fetchone()
    return elapsed, f"{rows} rows"


def run() -> list[Row]:
    size = f"{SIZE:,} employees"
    with tempfile.TemporaryDirectory() as folder, bench_database() as url:
        path = str(write_employees(Path(folder) / "employees.csv", SIZE))
        (copy_seconds, copied), copy_mb = in_fresh_process(_bare_copy, url, path)
        (first_seconds, first_line), first_mb = in_fresh_process(_import, url, path)
        (again_seconds, again_line), again_mb = in_fresh_process(_import, url, path)
    assert copied == f"{SIZE} rows", copied
    assert first_line == f"imported {SIZE}, updated 0, unchanged 0, rejected 0", first_line
    assert again_line == f"imported 0, updated 0, unchanged {SIZE}, rejected 0", again_line
    rows = []
    for what, seconds, mb in (
        ("bare COPY of the file into text columns (floor)", copy_seconds, copy_mb),
        ("import into PostgreSQL (checks, upserts, codes)", first_seconds, first_mb),
        ("re-import the same file (unchanged)", again_seconds, again_mb),
    ):
        rate = SIZE / seconds
        compared = "baseline" if seconds is copy_seconds else f"{copy_seconds / seconds:.2f}x the COPY's rate"
        rows.append(Row(f"{what}: rows/s", size, rate, "rows/s", compared))
        rows.append(Row(f"{what}: seconds", size, seconds, "s", f"load {os.getloadavg()[0]:.1f}"))
        rows.append(
            Row(
                f"{what}: peak memory",
                size,
                mb,
                "MB",
                "target < 300 MB" if seconds is not copy_seconds else "",
            )
        )
    return rows
