"""Dashboard queries at scale: the national and a province dashboard (the very service the pages
call, reading the per-day rollups) beside the naive answer computed from the raw responses, with
N responses loaded into a throwaway PostgreSQL database.

Data are generated set-based in SQL (`generate_series`), so 10 million responses load in minutes:
`BENCH_RESPONSES=10000000 .venv/bin/python -m bench bench_dashboards` (default 1,000,000). The
rollups are built from the responses with one grouped INSERT per level, as `rebuild-rollups` does.
The responses' remaining foreign key (to the response it replaced) and partial unique index are
dropped before the load (they only slow the bulk insert; no query below uses them); the day and
employee indexes stay.
"""

from __future__ import annotations

import os
import time

import sqlalchemy as sa

from bench.feedback_common import bench_database
from bench.table import Row, percentile, timed
from core import reference
from core.actors import SYSTEM
from core.db import make_engine, make_sessionmaker
from feedback.rollups.services import rebuild_rollups

RESPONSES = int(os.environ.get("BENCH_RESPONSES", "1000000"))
DAYS = 365
AGENCIES = 20
UNITS_PER_AGENCY = 50
RUNS = 100
NAIVE_RUNS = 5
PROVINCE = "IR-23"


LOAD_RESPONSES = """
WITH places AS (
    SELECT array_agg(county ORDER BY n) AS counties, array_agg(province ORDER BY n) AS provinces,
           count(*) AS n_counties
    FROM unnest(CAST(:counties AS text[]), CAST(:provinces AS text[]))
         WITH ORDINALITY AS p(county, province, n)
), agencies AS (SELECT CAST(:agencies AS text[]) AS codes)
INSERT INTO responses (id, employee_id, code_id, day, device_hash, ip_hash, q1, q2, q3, q4, status,
                       submission_id, unit, agency_code, province_code, county_code, created_at)
SELECT g, e, e, CURRENT_DATE - (g % :days)::int, md5(g::text), md5((g % 5000)::text),
       1 + (e % 3) + (g % 3), 1 + (e % 4) + (g % 2), 1 + (g * 7 % 5), 2 + (e % 2) + (g % 3),
       'counted', g::text, 'واحد ' || ((e / :agencies_n) % :units), codes[1 + e % :agencies_n],
       provinces[1 + e % n_counties], counties[1 + e % n_counties], now()
FROM generate_series(1, CAST(:n AS bigint)) AS g, places, agencies,
     LATERAL (SELECT 1 + (g * 7919) % :employees AS e) AS emp
"""


def _load(url: str) -> dict[str, float]:
    engine = make_engine(url)
    counties = list(reference.counties())
    timings = {}
    with engine.begin() as connection:
        for name in connection.execute(
            sa.text(
                "SELECT conname FROM pg_constraint WHERE conrelid = 'responses'::regclass AND contype = 'f'"
            )
        ).scalars():
            connection.execute(sa.text(f'ALTER TABLE responses DROP CONSTRAINT "{name}"'))
        for index in connection.execute(
            sa.text(
                "SELECT indexname FROM pg_indexes WHERE tablename = 'responses' AND indexdef LIKE '%WHERE%'"
            )
        ).scalars():
            connection.execute(sa.text(f'DROP INDEX "{index}"'))
    started = time.perf_counter()
    with engine.begin() as connection:
        connection.execute(
            sa.text(LOAD_RESPONSES),
            {
                "counties": [c.code for c in counties],
                "provinces": [c.province_code for c in counties],
                "agencies": [a.code for a in reference.agencies()][:AGENCIES],
                "agencies_n": AGENCIES,
                "days": DAYS,
                "units": UNITS_PER_AGENCY,
                "n": RESPONSES,
                "employees": max(1000, RESPONSES // 100),
            },
        )
    timings["responses"] = time.perf_counter() - started
    started = time.perf_counter()
    with make_sessionmaker(engine)() as session:  # the product's own rebuild, set-based
        rebuild_rollups(session, SYSTEM)
    timings["rollups"] = time.perf_counter() - started
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(sa.text("VACUUM ANALYZE responses"))
        connection.execute(sa.text("VACUUM ANALYZE rollups"))
    engine.dispose()
    return timings


NAIVE = """
SELECT count(*), sum(q1), sum(q2), sum(q3), sum(q4) FROM responses
WHERE status = 'counted' AND day BETWEEN :start AND :end {where}
"""
NAIVE_MAP = """
SELECT province_code, count(*), sum(q1), sum(q2), sum(q3), sum(q4) FROM responses
WHERE status = 'counted' AND day BETWEEN :start AND :end GROUP BY province_code
"""


def run() -> list[Row]:
    from core.actors import Actor
    from feedback.accounts.models import VIEWER
    from feedback.dashboards.services import load_dashboard, period

    size = f"{RESPONSES:,} responses"
    with bench_database() as url:
        timings = _load(url)
        engine = make_engine(url)
        factory = make_sessionmaker(engine)
        nation = Actor(id=1, role=VIEWER, label="bench", scope_kind="nation")
        province = Actor(id=2, role=VIEWER, label="bench", scope_kind="province", scope_value=PROVINCE)
        with engine.connect() as connection:
            rollup_rows = connection.execute(sa.text("SELECT count(*) FROM rollups")).scalar_one()
        rows = [
            Row("load responses (generate_series)", size, timings["responses"], "s"),
            Row("build rollups (6 grouped INSERTs)", f"{rollup_rows:,} rollup rows", timings["rollups"], "s"),
        ]

        def dashboard(actor: Actor, days: int) -> None:
            with factory() as session:
                load_dashboard(session, actor, "", days, 5)

        _days, start, end = period(30)
        for label, actor, days in (
            ("national dashboard, 30 days", nation, 30),
            ("national dashboard, 365 days", nation, 365),
            ("province dashboard, 30 days", province, 30),
        ):
            dashboard(actor, days)  # warm
            p95 = percentile(timed(lambda a=actor, d=days: dashboard(a, d), RUNS), 95)
            rows.append(Row(f"{label} p95 (rollups)", size, p95, "ms", "target < 100 ms"))

        def naive(sql: str, **params: object) -> None:
            with engine.connect() as connection:
                connection.execute(sa.text(sql), {"start": start, "end": end, **params}).all()

        naive_cases = (
            (
                "naive national totals + map, 30 days",
                lambda: (naive(NAIVE.format(where="")), naive(NAIVE_MAP)),
            ),
            (
                "naive province totals, 30 days",
                lambda: naive(NAIVE.format(where="AND province_code = :p"), p=PROVINCE),
            ),
        )
        for label, call in naive_cases:
            call()
            p95 = percentile(timed(call, NAIVE_RUNS), 95)
            rows.append(Row(f"{label} p95 (raw responses)", size, p95, "ms", "baseline"))
        engine.dispose()
    return rows


if __name__ == "__main__":
    from bench.table import print_table

    print_table(run())
