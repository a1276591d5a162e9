"""Desk sheets: sheets per second of the print run (zip of PDFs per unit, from PostgreSQL) on two
processes, as a national run's parts run on the feedback workers of this two-core machine, beside
the current method (`bench/previous_sheets.py`: zxing-cpp's encoder, zlib, names shaped whole)
measured in the same run, and the national run of 2.5 million sheets extrapolated from each.

Size: `BENCH_SHEETS` employees (default 2,000; the issue's figure is taken at 100,000), in two
agencies of 8 units, each process printing one agency. The names are varied (a few thousand
distinct family names, most full names seen once), as a national registry's are, so the shaping
of names is not served from a cache of a dozen. Timing runs from a process's first query to its
last byte; process start-up is left out for both methods. The machine is shared, so each process
also reports the CPU it used, its own and its PostgreSQL backend's (from /proc): sheets per CPU
second is what the code costs whatever else runs; sheets per second is what this run got.
"""

from __future__ import annotations

import csv
import os
import random
import tempfile
import time
from pathlib import Path

from bench.feedback_common import bench_database, in_fresh_process, process_cpu, write_employees
from bench.table import Row

SIZE = int(os.environ.get("BENCH_SHEETS", "2000"))
NATIONAL = 2_500_000
TARGET_MINUTES = 15
BASE = "https://feedback.example.ir"
_FIRST = ("علی", "مریم", "رضا", "زهرا", "حسین", "فاطمه", "محمد", "سارا", "مهدی", "نرگس", "امیر", "لیلا")
_SECOND = ("", "", "", "رضا", "جواد", "سادات", "علی", "حسن")
_ROOTS = ("رضا", "احمد", "کریم", "موسو", "حسین", "جعفر", "محمد", "صادق", "نور", "قاسم", "کاظم", "باقر")
_SUFFIXES = ("ی", "‌زاده", "‌پور", "‌نیا", "‌فر", "‌نژاد", "‌منش", "‌راد", "یان", "‌خانی", "‌لو", "‌وند")
_PLACES = ("", "", "تهرانی", "شیرازی", "اصفهانی", "کرمانی", "تبریزی", "یزدی", "رشتی", "کاشانی")


def _vary_names(path: Path) -> None:
    """Rewrite the generated file's first and family names into varied Persian names, a line at a
    time (this process's memory is the children's starting point in their peak figure)."""
    rng = random.Random(13)
    varied = path.with_name(path.name + ".varied")
    with (
        path.open(encoding="utf-8", newline="") as source,
        varied.open("w", encoding="utf-8", newline="") as out,
    ):
        reader, writer = csv.reader(source), csv.writer(out)
        header = next(reader)
        writer.writerow(header)
        first, last = header.index("first_name"), header.index("last_name")
        for row in reader:
            row[first] = " ".join(filter(None, (rng.choice(_FIRST), rng.choice(_SECOND))))
            family = rng.choice(_ROOTS) + rng.choice(_SUFFIXES)
            row[last] = " ".join(filter(None, (family, rng.choice(_PLACES))))
            writer.writerow(row)
    varied.replace(path)


def _load(url: str, path: str) -> None:
    from core.actors import SYSTEM
    from core.db import make_engine, make_sessionmaker
    from feedback.registry.importer import import_employees

    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        import_employees(session, SYSTEM, Path(path), Path(path + ".rejects.csv"))
    engine.dispose()


def _cpu_of(pid: int) -> float | None:
    """CPU seconds a process has used (user + system), or None when /proc cannot tell (a database
    on another machine)."""
    try:
        return process_cpu(pid)
    except OSError:
        return None


def _print(url: str, agency: str, out: str, previous: bool) -> tuple[float, int, float | None]:
    """One agency as a zip of one PDF per unit: (seconds, sheets, CPU seconds of this process and
    its database backend)."""
    import sqlalchemy as sa

    from core.actors import SYSTEM
    from core.db import make_engine, make_sessionmaker
    from feedback.printing import services
    from feedback.printing.services import Selection, print_batch

    if previous:  # the current method's writer, run through the same batch code
        from bench.previous_sheets import SheetWriter

        services.SheetWriter = SheetWriter  # type: ignore[assignment,misc]
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        backend = session.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
        session.commit()
        backend_before, cpu_before = _cpu_of(backend), time.process_time()
        started = time.perf_counter()
        summary = print_batch(session, SYSTEM, Selection(agency_code=agency), Path(out), BASE)
        elapsed = time.perf_counter() - started
        backend_after = _cpu_of(backend)
        cpu: float | None = time.process_time() - cpu_before
        if backend_before is None or backend_after is None:
            cpu = None
        else:
            cpu += backend_after - backend_before
    engine.dispose()
    return elapsed, summary.sheets, cpu


def _two_at_once(
    url: str, agencies: list[str], folder: str, previous: bool
) -> tuple[float, int, float | None]:
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    with context.Pool(2) as pool:
        results = pool.starmap(
            _print, [(url, agency, f"{folder}/{agency}.zip", previous) for agency in agencies]
        )
    # Wall time of the slower of the two, from its first query to its last byte.
    cpus = [cpu for _s, _n, cpu in results]
    return (
        max(seconds for seconds, _n, _c in results),
        sum(sheets for _s, sheets, _c in results),
        None if None in cpus else sum(c for c in cpus if c is not None),
    )


def _load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def run() -> list[Row]:
    with tempfile.TemporaryDirectory() as folder, bench_database() as url:
        path = write_employees(Path(folder) / "employees.csv", SIZE, agencies=2, units_per_agency=8)
        _vary_names(path)
        in_fresh_process(_load, url, str(path))
        agencies = _agencies(url)
        load_before = _load_average()
        (old_s, old_n, old_cpu), _old_mb = in_fresh_process(
            _two_at_once, url, agencies, f"{folder}/old", True
        )
        (one_s, one_n, _one_cpu), one_mb = in_fresh_process(
            _print, url, agencies[0], f"{folder}/one.zip", False
        )
        (two_s, two_n, two_cpu), _two_mb = in_fresh_process(
            _two_at_once, url, agencies, f"{folder}/two", False
        )
        load_after = _load_average()
    old_rate, one_rate, two_rate = old_n / old_s, one_n / one_s, two_n / two_s
    minutes, old_minutes = NATIONAL / two_rate / 60, NATIONAL / old_rate / 60
    load = f"load average {load_before} before, {load_after} after"
    rows = [
        Row(
            "print, current method (zxing-cpp, zlib), 2 processes",
            f"{old_n:,} sheets",
            old_rate,
            "sheets/s",
            "baseline; " + load,
        ),
        Row("print, new writer, 1 process", f"{one_n:,} sheets", one_rate, "sheets/s", ""),
        Row("print, new writer: peak memory, 1 process", f"{one_n:,} sheets", one_mb, "MB", ""),
        Row(
            "print, new writer, 2 processes",
            f"{two_n:,} sheets",
            two_rate,
            "sheets/s",
            f"{two_rate / old_rate:.1f}x the current method; target 2,800",
        ),
        Row(
            "print 2.5M sheets, extrapolated (2 processes)",
            f"{NATIONAL:,} sheets",
            minutes,
            "minutes",
            f"current method {old_minutes:,.0f} min; target {TARGET_MINUTES}",
        ),
    ]
    if old_cpu and two_cpu:
        rows += [
            Row(
                "print, current method, per CPU second (printing + database)",
                f"{old_n:,} sheets",
                old_n / old_cpu,
                "sheets/s",
                "baseline",
            ),
            Row(
                "print, new writer, per CPU second (printing + database)",
                f"{two_n:,} sheets",
                two_n / two_cpu,
                "sheets/s",
                f"{old_cpu / two_cpu:.1f}x less CPU; "
                f"ceiling on two idle cores {2 * two_n / two_cpu:,.0f} sheets/s",
            ),
        ]
    return rows


def _agencies(url: str) -> list[str]:
    import sqlalchemy as sa

    from core.db import make_engine

    engine = make_engine(url)
    with engine.connect() as connection:
        agencies = list(
            connection.execute(sa.text("SELECT DISTINCT agency_code FROM employees ORDER BY 1")).scalars()
        )
    engine.dispose()
    return agencies
