"""Dashboard queries at scale: the national and a province dashboard (the very service the pages
call, reading the rollups shaped by their questions: one period row, a level's period rows, the
day series) beside, in the same run, the same questions asked of the old per-day rollups of every
level (built here as they were, `legacy_rollups`) and the naive answer from the raw responses, with
N responses loaded into a throwaway PostgreSQL database for each size.

Data are generated set-based in SQL (`generate_series`), so 10 million responses load in minutes:
`BENCH_RESPONSES=1000000,10000000 .venv/bin/python -m bench bench_dashboards` runs both sizes in
one run, so the flatness shows (default 200,000). The rollups are built from the responses by
`rebuild-rollups` itself.
Answers are generated in time order (ids grow with the day, as in production). The responses'
keys and indexes are dropped before the bulk insert and built again after it (a sorted build each,
not ten million random b-tree inserts), except the foreign key and the partial unique index that
only submissions use.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

import sqlalchemy as sa

from bench.feedback_common import bench_database
from bench.table import Row, percentile, timed
from core import reference
from core.actors import SYSTEM
from core.db import make_engine, make_sessionmaker
from feedback.rollups.services import rebuild_rollups

SIZES = [int(n) for n in os.environ.get("BENCH_RESPONSES", "200000").split(",")]
DAYS = 365
AGENCIES = 20
UNITS_PER_AGENCY = 50
RUNS = 100
NAIVE_RUNS = 5
PROVINCE = "IR-23"


# Answers arrive in time order, so ids grow with the day and the time of day (as in production: the
# newest answer has the largest id), spread evenly over the last DAYS days.
LOAD_RESPONSES = """
WITH places AS (
    SELECT array_agg(county ORDER BY n) AS counties, array_agg(province ORDER BY n) AS provinces,
           count(*) AS n_counties
    FROM unnest(CAST(:counties AS text[]), CAST(:provinces AS text[]))
         WITH ORDINALITY AS p(county, province, n)
), agencies AS (SELECT CAST(:agencies AS text[]) AS codes)
INSERT INTO responses (id, employee_id, code_id, day, device_hash, ip_hash, q1, q2, q3, q4, status,
                       submission_id, unit, agency_code, province_code, county_code, created_at)
SELECT g, e, e, CURRENT_DATE - (:days - 1) + (s / 86400)::int, md5(g::text), md5((g % 5000)::text),
       1 + (e % 3) + (g % 3), 1 + (e % 4) + (g % 2), 1 + (g * 7 % 5), 2 + (e % 2) + (g % 3),
       'counted', g::text, 'واحد ' || ((e / :agencies_n) % :units), codes[1 + e % :agencies_n],
       provinces[1 + e % n_counties], counties[1 + e % n_counties],
       CAST(CURRENT_DATE - (:days - 1) AS timestamptz) + s * interval '1 second'
FROM generate_series(1, CAST(:n AS bigint)) AS g, places, agencies,
     LATERAL (SELECT 1 + (g * 7919) % :employees AS e, (g - 1) * :days * 86400 / :n AS s) AS emp
"""

# Keys and indexes are dropped before the bulk insert and built afterwards (one sorted build each
# instead of ten million random b-tree inserts); the partial unique index and the foreign key are
# not rebuilt (only submissions use them).
KEYS_AND_INDEXES = """
SELECT 'ALTER TABLE responses DROP CONSTRAINT "' || conname || '"',
       CASE WHEN contype IN ('p', 'u')
            THEN 'ALTER TABLE responses ADD CONSTRAINT "' || conname || '" ' || pg_get_constraintdef(oid)
       END
FROM pg_constraint WHERE conrelid = 'responses'::regclass AND contype IN ('p', 'u', 'f')
UNION ALL
SELECT 'DROP INDEX "' || indexname || '"',
       CASE WHEN indexdef NOT LIKE '%WHERE%' THEN replace(indexdef, ' ON ONLY ', ' ON ') END
FROM pg_indexes WHERE tablename = 'responses'
  AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = 'responses'::regclass)
"""


def _load(url: str, responses: int) -> dict[str, float]:
    engine = make_engine(url, connect_args={"options": "-c work_mem=256MB -c maintenance_work_mem=512MB"})
    counties = list(reference.counties())
    timings = {}
    with engine.begin() as connection:
        statements = connection.execute(sa.text(KEYS_AND_INDEXES)).all()
        for drop, _create in statements:
            connection.execute(sa.text(drop))
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
                "n": responses,
                "employees": max(1000, responses // 100),
            },
        )
        for _drop, create in statements:
            if create:
                connection.execute(sa.text(create))
    timings["responses"] = time.perf_counter() - started
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(sa.text("VACUUM ANALYZE responses"))
    started = time.perf_counter()
    with make_sessionmaker(engine)() as session:  # the product's own rebuild, set-based
        rebuild_rollups(session, SYSTEM)
    timings["rollups"] = time.perf_counter() - started
    started = time.perf_counter()
    with engine.begin() as connection:
        connection.execute(sa.text(LEGACY))
        for statement in LEGACY_FILL:
            connection.execute(sa.text(statement))
        connection.execute(sa.text(LEGACY_INDEXES))
    timings["legacy"] = time.perf_counter() - started
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        for table in ("rollups", "rollup_totals", "rollup_periods", "legacy_rollups"):
            connection.execute(sa.text(f"VACUUM ANALYZE {table}"))
    engine.dispose()
    return timings


# The rollups before issue 17, as migration 0031 left them: one row per day for every scope at six
# levels, indexed by (level, day) with the sums included.
LEGACY = """
CREATE TABLE legacy_rollups (level varchar(10), key varchar(240), day date, count integer,
    sum_q1 bigint, sum_q2 bigint, sum_q3 bigint, sum_q4 bigint);
"""
LEGACY_INDEXES = """
ALTER TABLE legacy_rollups ADD PRIMARY KEY (level, key, day);
CREATE INDEX ix_legacy_level_day ON legacy_rollups (level, day)
    INCLUDE (key, count, sum_q1, sum_q2, sum_q3, sum_q4);
"""
LEGACY_KEYS = {
    "employee": "employee_id::text",
    "unit": "agency_code || '/' || unit",
    "agency": "agency_code",
    "county": "county_code",
    "province": "province_code",
    "nation": "'IR'",
}
LEGACY_FILL = [
    f"INSERT INTO legacy_rollups SELECT '{level}', {key}, day, count(*), sum(q1), sum(q2), sum(q3), "
    f"sum(q4) FROM responses WHERE status = 'counted' GROUP BY {'' if level == 'nation' else key + ','} day"
    for level, key in LEGACY_KEYS.items()
]
LEGACY_DAYS = """
SELECT day, count, sum_q1, sum_q2, sum_q3, sum_q4 FROM legacy_rollups
WHERE level = :level AND key = :key AND day BETWEEN :start AND :end ORDER BY day
"""
LEGACY_RANKING = """
SELECT key, sum(count), sum(sum_q1), sum(sum_q2), sum(sum_q3), sum(sum_q4) FROM legacy_rollups
WHERE level = :level AND day BETWEEN :start AND :end {where} GROUP BY key
"""

NAIVE = """
SELECT count(*), sum(q1), sum(q2), sum(q3), sum(q4) FROM responses
WHERE status = 'counted' AND day BETWEEN :start AND :end {where}
"""
NAIVE_MAP = """
SELECT province_code, count(*), sum(q1), sum(q2), sum(q3), sum(q4) FROM responses
WHERE status = 'counted' AND day BETWEEN :start AND :end GROUP BY province_code
"""


def _legacy_dashboard(engine: sa.Engine, province: str | None, days: int) -> None:
    """What `load_dashboard` read before issue 17: the scope's days, its ranking summed over the
    period's days of every unit (nation) or county (province), and the map."""
    from feedback.dashboards.services import period

    _days, start, end = period(days)
    dates = {"start": start, "end": end}
    with engine.connect() as connection:
        if province is None:
            connection.execute(sa.text(LEGACY_DAYS), {"level": "nation", "key": "IR", **dates}).all()
            connection.execute(sa.text(LEGACY_RANKING.format(where="")), {"level": "unit", **dates}).all()
            connection.execute(sa.text(LEGACY_RANKING.format(where="")), {"level": "province", **dates}).all()
        else:
            counties = [c.code for c in reference.counties() if c.province_code == province]
            connection.execute(sa.text(LEGACY_DAYS), {"level": "province", "key": province, **dates}).all()
            connection.execute(
                sa.text(LEGACY_RANKING.format(where="AND key = ANY(:keys)")),
                {"level": "county", "keys": counties, **dates},
            ).all()
            connection.execute(
                sa.text(LEGACY_RANKING.format(where="AND key = :p")),
                {"level": "province", "p": province, **dates},
            ).all()


def _interleaved(ours: Callable[[], object], theirs: Callable[[], object]) -> tuple[list[float], list[float]]:
    """RUNS latencies (ms) of each, one call of each in turn."""
    a: list[float] = []
    b: list[float] = []
    for _ in range(RUNS):
        a += timed(ours, 1)
        b += timed(theirs, 1)
    return a, b


def run() -> list[Row]:
    rows: list[Row] = []
    for responses in SIZES:
        rows += _run(responses)
    return rows


def _run(responses: int) -> list[Row]:
    from core.actors import Actor
    from feedback.accounts.models import VIEWER
    from feedback.dashboards.services import load_dashboard, period

    size = f"{responses:,} responses"
    with bench_database() as url:
        timings = _load(url, responses)
        engine = make_engine(url)
        factory = make_sessionmaker(engine)
        nation = Actor(id=1, role=VIEWER, label="bench", scope_kind="nation")
        province = Actor(id=2, role=VIEWER, label="bench", scope_kind="province", scope_value=PROVINCE)
        with engine.connect() as connection:
            counts = {
                table: connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()
                for table in ("rollup_totals", "rollup_periods", "rollups", "legacy_rollups")
            }
        kept = counts["rollup_totals"] + counts["rollup_periods"] + counts["rollups"]
        rows = [
            Row("load responses (generate_series)", size, timings["responses"], "s"),
            Row(
                "rebuild-rollups",
                size,
                timings["rollups"],
                "s",
                f"old per-day build {timings['legacy']:.1f} s",
            ),
            Row(
                "rollup rows kept (totals + periods + day series)",
                size,
                kept,
                "rows",
                f"old per-day rollups {counts['legacy_rollups']:,} rows",
            ),
            Row("  of which day series (nation, provinces, agencies)", size, counts["rollups"], "rows"),
        ]

        def dashboard(actor: Actor, days: int) -> None:
            with factory() as session:
                load_dashboard(session, actor, "", days, 5)

        _days, start, end = period(30)
        for label, actor, days, where, target in (
            ("national dashboard, 30 days", nation, 30, None, 20),
            ("national dashboard, 365 days", nation, 365, None, 20),
            ("province dashboard, 30 days", province, 30, PROVINCE, 10),
        ):
            dashboard(actor, days)  # warm
            _legacy_dashboard(engine, where, days)
            # interleaved, so the shared machine's load swings hit both alike
            ours, legacy = _interleaved(
                lambda a=actor, d=days: dashboard(a, d),
                lambda w=where, d=days: _legacy_dashboard(engine, w, d),
            )
            rows.append(
                Row(
                    f"{label} p95",
                    size,
                    percentile(ours, 95),
                    "ms",
                    f"old per-day rollups {percentile(legacy, 95):.1f} ms; median {percentile(ours, 50):.1f} "
                    f"vs {percentile(legacy, 50):.1f}; target < {target}",
                )
            )

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
