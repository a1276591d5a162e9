"""Helpers for the feedback benchmarks: a throwaway PostgreSQL database, generated employees, and
running a measurement in a fresh process so its peak memory is its own."""

from __future__ import annotations

import csv
import multiprocessing
import os
import random
import resource
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from bench.databases import temporary_database
from core import reference
from core.settings import Settings, load_settings
from feedback.registry.national_code import check_digit
from feedback.registry.schemas import COLUMNS

FIRST = ("علی", "مریم", "رضا", "زهرا", "حسین", "فاطمه", "محمد", "سارا", "مهدی", "نرگس", "امیر", "لیلا")
LAST = ("رضایی", "احمدی", "کریمی", "موسوی", "حسینی", "جعفری", "محمدی", "صادقی", "نوری", "قاسمی")


def process_cpu(pid: int) -> float:
    """CPU seconds a process on this machine has used so far (user + system, from /proc); OSError
    when /proc has no such process (a database on another machine)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def bench_database() -> AbstractContextManager[str]:
    """A migrated feedback database of its own, dropped afterwards."""
    return temporary_database("feedback", "feedback")


def survey_settings(var_dir: str, database_url: str) -> Settings:
    """The feedback service's settings for a survey benchmark: its own database, rate limits counted
    in Redis as deployed (BENCH_REDIS_URL, default redis://127.0.0.1:6379/8) under this run's own
    key prefix."""
    return load_settings(
        {},
        var_dir=var_dir,
        feedback_database_url=database_url,
        secret_key="bench-" + "k" * 40,
        redis_url=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/8"),
        task_queue_prefix=f"bench-{uuid.uuid4().hex[:8]}-",
    )


def seed_desks(database_url: str, folder: Path, count: int) -> list[str]:
    """`count` generated employees with their codes and the default questions; the codes' tokens."""
    from sqlalchemy import select

    from core.actors import SYSTEM
    from core.db import make_engine, make_sessionmaker
    from feedback.codes.models import EmployeeCode
    from feedback.registry.importer import import_employees
    from feedback.survey.questions import seed_questions

    engine = make_engine(database_url)
    with make_sessionmaker(engine)() as session:
        path = write_employees(folder / "employees.csv", count)
        import_employees(session, SYSTEM, path, folder / "rejects.csv")
        seed_questions(session)
        tokens = list(session.scalars(select(EmployeeCode.token)))
    engine.dispose()
    return tokens


def write_employees(path: Path, count: int, agencies: int = 20, units_per_agency: int = 50) -> Path:
    """Valid national codes, real provinces and counties, realistic unit spread."""
    rng = random.Random(7)
    counties = reference.counties()
    provinces = {p.code: p for p in reference.provinces()}
    agency_codes = [a.code for a in reference.agencies()][:agencies]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for n in range(count):
            county = counties[rng.randrange(len(counties))]
            body = f"{100_000_000 + n * 37:09d}"[-9:]
            writer.writerow(
                [
                    f"{1_000_000 + n}",
                    body + check_digit(body),
                    FIRST[n % len(FIRST)],
                    LAST[(n // 7) % len(LAST)],
                    "زن" if n % 2 else "مرد",
                    "کارشناس امور مراجعان",
                    f"واحد {rng.randrange(units_per_agency) + 1}",
                    agency_codes[n % len(agency_codes)],
                    provinces[county.province_code].name_fa,
                    county.name_fa,
                ]
            )
    return path


def _child(target: Callable[..., Any], args: tuple, queue: Any) -> None:
    try:
        result = target(*args)
    except BaseException as exc:
        queue.put(("error", f"{type(exc).__name__}: {exc}"))
        raise
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    queue.put(("ok", (result, peak_kb / 1024)))


def in_fresh_process(target: Callable[..., Any], *args: Any) -> tuple[Any, float]:
    """(what target returned, peak resident memory in MB of the process that ran it)."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_child, args=(target, args, queue))
    process.start()
    status, payload = queue.get()
    process.join()
    if status != "ok":
        raise RuntimeError(f"benchmark child failed: {payload}")
    return payload
