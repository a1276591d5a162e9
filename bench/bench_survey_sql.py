"""PostgreSQL backend CPU per survey answer, by way of storing it (issue 17): `feedback_submit`
version 2 (migration 0034, every look-up reading all monthly partitions) against version 3 (0050,
two days' partitions, generic plans), one autocommitted call per answer as `submit_autocommit` sends
it, and `feedback_submit_many` (0050) with batches of 4 and 16 as `submit_many` sends them.

A database of its own seeded like `bench_survey` (2,000 desks, each answer a phone and an address
of its own, at the real clock), with version 2 installed beside the live functions under other
names (`feedback_submit_v2`, `feedback_submit_locked_v2`), so the four ways run in one database in
the same run: rounds of each in turn (BENCH_SURVEY_SQL_ANSWERS per way, default 3000, over
BENCH_SURVEY_SQL_ROUNDS rounds, default 3), each round on a fresh connection whose backend's CPU
(utime + stime from /proc; the server must be on this machine) is read before and after, its first
answers untimed (the plans cached). One client, one call at a time: this is the database's cost per
answer, not a throughput."""

from __future__ import annotations

import os
import random
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

from bench.feedback_common import bench_database, process_cpu, seed_desks
from bench.table import Row
from core.db import utcnow
from core.migrate import versioned_sql
from feedback.survey.services import _CALL, _CALL_MANY, Submission, _batch_params, _call_params

ANSWERS = int(os.environ.get("BENCH_SURVEY_SQL_ANSWERS", "3000"))
ROUNDS = int(os.environ.get("BENCH_SURVEY_SQL_ROUNDS", "3"))
EMPLOYEES = 2000
WARM = 48  # answers per round before the timing starts


def _install_v2(connection: psycopg.Connection[Any]) -> None:
    v2 = versioned_sql("feedback.survey", "feedback_submit", 2)
    connection.execute(v2.replace("FUNCTION feedback_submit(", "FUNCTION feedback_submit_v2(", 1))
    locked = versioned_sql("feedback.survey", "feedback_submit_locked", 1)
    locked = locked.replace("FUNCTION feedback_submit_locked(", "FUNCTION feedback_submit_locked_v2(", 1)
    connection.execute(locked.replace("FROM feedback_submit(", "FROM feedback_submit_v2(", 1))


def _submissions(desks: list[tuple[int, int]], count: int, rng: random.Random) -> list[Submission]:
    def label() -> str:
        return uuid.uuid4().hex * 2  # 64 characters, as the service's hashes

    return [
        Submission(
            *desks[rng.randrange(len(desks))],
            str(uuid.uuid4()),
            label(),
            label(),
            (rng.randint(1, 5), rng.randint(1, 5), rng.randint(1, 5), rng.randint(1, 5)),
            None,
        )
        for _ in range(count)
    ]


def _single(call: str) -> Callable[[psycopg.Connection[Any], list[Submission]], None]:
    def send(connection: psycopg.Connection[Any], batch: list[Submission]) -> None:
        connection.execute(call, _call_params(batch[0], utcnow()), prepare=True).fetchall()

    return send


def _many(connection: psycopg.Connection[Any], batch: list[Submission]) -> None:
    now = utcnow()
    connection.execute(_CALL_MANY, _batch_params(batch, now), prepare=True).fetchall()


WAYS: list[tuple[str, int, Callable[[psycopg.Connection[Any], list[Submission]], None]]] = [
    (
        "v2, one call per answer",
        1,
        _single(_CALL.replace("feedback_submit_locked(", "feedback_submit_locked_v2(")),
    ),
    ("v3, one call per answer", 1, _single(_CALL)),
    ("feedback_submit_many, batches of 4", 4, _many),
    ("feedback_submit_many, batches of 16", 16, _many),
]


def _round(dsn: str, size: int, send: Callable, items: list[Submission]) -> tuple[float, float, int]:
    """(backend CPU seconds, wall seconds, answers) of the timed part of one round."""
    batches = [items[n : n + size] for n in range(0, len(items), size)]
    warm = max(1, WARM // size)
    with psycopg.connect(dsn, autocommit=True) as connection:
        pid = connection.info.backend_pid
        for batch in batches[:warm]:
            send(connection, batch)
        cpu, started = process_cpu(pid), time.perf_counter()
        for batch in batches[warm:]:
            send(connection, batch)
        return process_cpu(pid) - cpu, time.perf_counter() - started, sum(map(len, batches[warm:]))


def run() -> list[Row]:
    totals = {name: [0.0, 0.0, 0] for name, _size, _send in WAYS}
    with tempfile.TemporaryDirectory() as var, bench_database() as url:
        seed_desks(url, Path(var), EMPLOYEES)
        dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(dsn, autocommit=True) as connection:
            _install_v2(connection)
            desks = connection.execute("SELECT employee_id, id FROM employee_codes WHERE status = 'active'")
            desk_list = [(int(e), int(c)) for e, c in desks.fetchall()]
        rng = random.Random(17)
        per_round = ANSWERS // ROUNDS + WARM
        for _ in range(ROUNDS):
            for name, size, send in WAYS:
                cpu, wall, answered = _round(dsn, size, send, _submissions(desk_list, per_round, rng))
                totals[name][0] += cpu
                totals[name][1] += wall
                totals[name][2] += answered
    baseline = "v2, one call per answer"
    rows = []
    for name, (cpu, wall, answered) in totals.items():
        compared = (
            "" if name == baseline else f"{baseline}: {totals[baseline][0] / totals[baseline][2] * 1e6:,.0f}"
        )
        rows.append(
            Row(
                f"survey answer, backend CPU ({name})",
                f"{answered} answers",
                cpu / answered * 1e6,
                "us",
                compared,
            )
        )
        rows.append(
            Row(
                f"survey answer, wall per answer ({name})", f"{answered} answers", wall / answered * 1e6, "us"
            )
        )
    return rows
