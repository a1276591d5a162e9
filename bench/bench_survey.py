"""Survey submissions per second through a real gunicorn (4 sync workers, PostgreSQL, loopback),
beside GET /healthz on the same server in the same run as the ceiling (no public bare endpoint is
added for the benchmark: /healthz does no I/O and answers a tiny body). Each submission is a phone
of its own (device cookie, address), its form opened beforehand (untimed); a submission is the
POST: verify the signed token, three indexed reads, insert, six rollup upserts, commit, thank-you
page. The rate limits count in Redis, as in production (BENCH_REDIS_URL, default
redis://127.0.0.1:6379/8; keys under a prefix of this run's own, which expire within the hour).
BENCH_SURVEY_SUBMISSIONS sets the size (default 3000), BENCH_SURVEY_CONCURRENCY the clients,
BENCH_SURVEY_WORKERS the gunicorn workers (default 4)."""

from __future__ import annotations

import os
import tempfile
import uuid
from pathlib import Path

from bench.feedback_common import bench_database, write_employees
from bench.survey_load import gunicorn, hammer, open_all, phones, submit_all
from bench.table import Row, percentile
from core.db import make_engine, make_sessionmaker
from core.settings import Settings, load_settings

SUBMISSIONS = int(os.environ.get("BENCH_SURVEY_SUBMISSIONS", "3000"))
CONCURRENCY = int(os.environ.get("BENCH_SURVEY_CONCURRENCY", "16"))
WORKERS = int(os.environ.get("BENCH_SURVEY_WORKERS", "4"))
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/8")
EMPLOYEES = 2000


def _env(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVCLOUD_")}
    return {**env, **settings.environ()}


def _tokens(url: str, folder: Path) -> list[str]:
    from sqlalchemy import select

    from feedback.accounts.actors import SYSTEM
    from feedback.codes.models import EmployeeCode
    from feedback.registry.importer import import_employees
    from feedback.survey.questions import seed_questions

    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        path = write_employees(folder / "employees.csv", EMPLOYEES)
        import_employees(session, SYSTEM, path, folder / "rejects.csv")
        seed_questions(session)
        tokens = list(session.scalars(select(EmployeeCode.token)))
    engine.dispose()
    return tokens


def run() -> list[Row]:
    with tempfile.TemporaryDirectory() as var, bench_database() as url:
        settings = load_settings(
            {},
            var_dir=var,
            feedback_database_url=url,
            secret_key="bench-" + "k" * 40,
            redis_url=REDIS_URL,
            task_queue_prefix=f"bench-{uuid.uuid4().hex[:8]}-",
        )
        tokens = _tokens(url, Path(var))
        with gunicorn(_env(settings), workers=WORKERS) as (server, _master):
            hammer(server, "/healthz", 200, CONCURRENCY)  # warm every worker
            health, health_seconds = hammer(server, "/healthz", SUBMISSIONS, CONCURRENCY)
            all_phones = phones(server, tokens, SUBMISSIONS)
            open_all(all_phones, CONCURRENCY)
            results, seconds = submit_all(all_phones, CONCURRENCY)
        ok = [latency for status, latency, _attempts in results if 200 <= status < 300]
        assert len(ok) == SUBMISSIONS, f"{SUBMISSIONS - len(ok)} submissions failed"
        ceiling = SUBMISSIONS / health_seconds
        rate = SUBMISSIONS / seconds
        size = f"{SUBMISSIONS} x {CONCURRENCY} clients, {WORKERS} workers"
        return [
            Row("GET /healthz (ceiling)", size, ceiling, "req/s", "baseline"),
            Row("survey submissions", size, rate, "req/s", f"{rate / ceiling:.2f}x the ceiling"),
            Row("GET /healthz p50", size, percentile(health, 50), "ms", "baseline"),
            Row("GET /healthz p99", size, percentile(health, 99), "ms", ""),
            Row("survey submission p50", size, percentile(ok, 50), "ms", ""),
            Row("survey submission p99", size, percentile(ok, 99), "ms", ""),
        ]
