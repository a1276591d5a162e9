"""Survey submissions per second through a real gunicorn started as the images start it (the
deployment's `core.gunicorn_config`: 4 workers of 4 threads, JSON access log; PostgreSQL, Redis,
loopback), beside GET /healthz on the same server in the same run as the ceiling (no public bare
endpoint is added for the benchmark: /healthz does no I/O and answers a tiny body through the whole
Flask app). Each submission is a phone of its own (device cookie, address), its form opened
beforehand (untimed); a submission is the POST: verify the signed token, then the worker's group
commit (the rate limits of the answers that arrived together in one Redis script call, then
`feedback_submit_many`, one autocommitted statement for them all), the thank-you page.

The two alternate in rounds (ceiling, submissions, ceiling, submissions, ...) and the ratio is the
median of the rounds' ratios: the machine is shared, and load from elsewhere that comes and goes
moves both figures of one round together. While submissions run, the rollup fold runs every two
seconds as the worker runs it, and once more after each round, so the database's CPU per submission
includes applying its rollup change.

The client sends prepared requests on raw sockets from 8 processes x 2 threads (16 at a time), so
that it is not the bottleneck: a `requests` client in one process tops out near 1,300 calls/s and
made the ceiling its own. The table also splits the server's CPU per request between gunicorn,
PostgreSQL and Redis (from /proc), which says where a submission's cost is.

The rate limits count in Redis, as in production (BENCH_REDIS_URL, default redis://127.0.0.1:6379/8;
keys under a prefix of this run's own, which expire within the hour). BENCH_SURVEY_SUBMISSIONS sets
the size of a round (default 3000), BENCH_SURVEY_ROUNDS the rounds (default 3), BENCH_SURVEY_WORKERS
the gunicorn workers (default 4).
"""

from __future__ import annotations

import collections
import os
import statistics
import tempfile
import threading
from pathlib import Path

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from bench.feedback_common import bench_database, process_cpu, seed_desks, survey_settings
from bench.table import Row, percentile
from core.db import make_engine
from feedback.rollups.services import fold_pending
from feedback.schedule import FOLD_EVERY_SECONDS
from tests.fixtures.survey_load import blast, cpu_seconds, gunicorn, open_all, phones, raw_get, raw_post

SUBMISSIONS = int(os.environ.get("BENCH_SURVEY_SUBMISSIONS", "3000"))
ROUNDS = int(os.environ.get("BENCH_SURVEY_ROUNDS", "3"))
PROCESSES, THREADS = 8, 2
WORKERS = int(os.environ.get("BENCH_SURVEY_WORKERS", "4"))
EMPLOYEES = 2000


class _Folder(threading.Thread):
    """The worker's periodic rollup fold (every `FOLD_EVERY_SECONDS`), on one connection kept for the whole
    run (a backend that exits takes its CPU out of the /proc sums)."""

    def __init__(self, connection: Connection) -> None:
        super().__init__(daemon=True)
        self.connection = connection
        self.stopped = threading.Event()

    def fold(self) -> int:
        # bound to the connection, the session folds on it (AUTOCOMMIT: committed at once); closing
        # the session leaves the connection open, as the session did not open it
        with Session(bind=self.connection) as session:
            return fold_pending(session)

    def run(self) -> None:
        while not self.stopped.wait(FOLD_EVERY_SECONDS):
            self.fold()


def run() -> list[Row]:
    with tempfile.TemporaryDirectory() as var, bench_database() as url:
        settings = survey_settings(var, url)
        tokens = seed_desks(url, Path(var), EMPLOYEES)
        health: list[tuple[int, float]] = []
        results: list[tuple[int, float]] = []
        ratios, health_cpu, submit_cpu = [], collections.Counter(), collections.Counter()
        health_seconds = submit_seconds = fold_cpu = 0.0
        folds = make_engine(url, isolation_level="AUTOCOMMIT")
        with (
            folds.connect() as fold_connection,
            gunicorn(settings.child_environ(), workers=WORKERS) as (
                server,
                master,
            ),
        ):
            blast(server, [raw_get("/healthz")] * 400, PROCESSES, THREADS)  # warm every worker
            all_phones = phones(server, tokens, SUBMISSIONS * ROUNDS)
            open_all(all_phones, PROCESSES * THREADS)
            answers = [raw_post(phone) for phone in all_phones]
            # the forms' kept-alive connections closed, as a phone's browser closes them: thousands
            # left open would weigh on the workers' poll loop in the first round, not the others
            for phone in all_phones:
                phone.session.close()
            blast(server, [raw_get("/healthz")] * 400, PROCESSES, THREADS)
            for round_ in range(ROUNDS):
                before = cpu_seconds(master.pid)
                got, seconds = blast(server, [raw_get("/healthz")] * SUBMISSIONS, PROCESSES, THREADS)
                health_cpu.update(_used(before, cpu_seconds(master.pid)))
                health += got
                health_seconds += seconds
                ceiling = SUBMISSIONS / seconds
                folder = _Folder(fold_connection)
                before = cpu_seconds(master.pid)
                fold_before = _backend_cpu(fold_connection)
                folder.start()
                mine = answers[round_ * SUBMISSIONS : (round_ + 1) * SUBMISSIONS]
                got, seconds = blast(server, mine, PROCESSES, THREADS)
                folder.stopped.set()
                folder.join()
                folder.fold()  # what is left of this round's rollup changes
                fold_cpu += _backend_cpu(fold_connection) - fold_before
                submit_cpu.update(_used(before, cpu_seconds(master.pid)))
                results += got
                submit_seconds += seconds
                ratios.append(SUBMISSIONS / seconds / ceiling)
        folds.dispose()
        failed = [status for status, _latency in results if status != 200]
        assert not failed and all(status == 200 for status, _ in health), f"{len(failed)} submissions failed"
        total = SUBMISSIONS * ROUNDS
        ceiling = total / health_seconds
        rate = total / submit_seconds
        size = f"{ROUNDS} x {SUBMISSIONS} x 16 clients, {WORKERS} workers"
        health_ms = [latency for _status, latency in health]
        submit_ms = [latency for _status, latency in results]
        spread = ", ".join(f"{r:.2f}" for r in ratios)
        rows = [
            Row("GET /healthz (ceiling)", size, ceiling, "req/s", "baseline"),
            Row("survey submissions", size, rate, "req/s", f"{rate / ceiling:.2f}x the ceiling (all rounds)"),
            Row(
                "survey submissions / ceiling",
                size,
                statistics.median(ratios) * 100,
                "%",
                f"median of the rounds: {spread}",
            ),
            Row("GET /healthz p50", size, percentile(health_ms, 50), "ms", "baseline"),
            Row("GET /healthz p99", size, percentile(health_ms, 99), "ms", ""),
            Row("survey submission p50", size, percentile(submit_ms, 50), "ms", ""),
            Row("survey submission p99", size, percentile(submit_ms, 99), "ms", ""),
        ]
        for part, used in submit_cpu.items():
            rows.append(
                Row(
                    f"server CPU per submission: {part}",
                    size,
                    used / total * 1e6,
                    "us",
                    f"GET /healthz: {health_cpu[part] / total * 1e6:,.0f} us",
                )
            )
        rows.append(
            Row(
                "  of which the rollup fold (PostgreSQL)",
                size,
                fold_cpu / total * 1e6,
                "us",
                f"every {FOLD_EVERY_SECONDS:g} s, as the worker runs it",
            )
        )
        used = sum(submit_cpu.values()) / total
        rows.append(
            Row(
                "server CPU per submission: all",
                size,
                used * 1e6,
                "us",
                f"{used / (sum(health_cpu.values()) / total):.1f}x /healthz",
            )
        )
        return rows


def _backend_cpu(connection: Connection) -> float:
    """CPU seconds used so far by the PostgreSQL backend serving `connection`."""
    return process_cpu(connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())


def _used(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {part: after[part] - before[part] for part in before}
