"""Probes per second on one worker against a local server, and the compliance snapshot with evidence.

1. `probe_service` in a loop (one worker slot: resolve, check, pin, GET, one row committed) against an
   HTTP server on 127.0.0.1, beside plain pooled GETs of the same server (the HTTP floor), and a real
   Celery worker (threads pool, GOVCLOUD_BENCH_PROBE_CONCURRENCY slots) over Redis draining the
   same number of probe tasks.
2. The daily compliance snapshot with the default milestones requiring evidence (a grouped subquery
   over the window's probe rows) beside the same snapshot on declarations only, same data, same run.

Sizes: GOVCLOUD_BENCH_PROBES (probes timed, default 300), GOVCLOUD_BENCH_PROBE_AGENCIES (200),
GOVCLOUD_BENCH_PROBE_SERVICES (10,000), GOVCLOUD_BENCH_PROBES_PER_SERVICE (probe rows per service in
the 7-day window, default 24; a 5-minute interval makes 2,016). Redis from GOVCLOUD_BENCH_REDIS_URL,
else GOVCLOUD_TEST_REDIS_URL, else redis://127.0.0.1:6379/9 (queues prefixed for this run).
"""

from __future__ import annotations

import datetime as dt
import os
import random
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import sqlalchemy as sa
import urllib3

from bench.databases import temporary_database
from bench.table import Row
from core.actors import SYSTEM
from core.db import make_engine, make_sessionmaker

PROBES = int(os.environ.get("GOVCLOUD_BENCH_PROBES", "300"))
AGENCIES = int(os.environ.get("GOVCLOUD_BENCH_PROBE_AGENCIES", "200"))
SERVICES = int(os.environ.get("GOVCLOUD_BENCH_PROBE_SERVICES", "10000"))
PER_SERVICE = int(os.environ.get("GOVCLOUD_BENCH_PROBES_PER_SERVICE", "24"))
CONCURRENCY = int(os.environ.get("GOVCLOUD_BENCH_PROBE_CONCURRENCY", "8"))
REDIS_URL = (
    os.environ.get("GOVCLOUD_BENCH_REDIS_URL")
    or os.environ.get("GOVCLOUD_TEST_REDIS_URL")
    or "redis://127.0.0.1:6379/9"
)


class _Healthy(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as two writes: no 40 ms delayed-ACK stall

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        body = b"healthy"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@contextmanager
def local_server() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Healthy)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def _catalog(session, url: str, services: int) -> list[int]:
    from catalog.models import Agency, EService

    session.execute(
        sa.insert(Agency.__table__), [{"code": "PB", "name_fa": "دستگاه", "kind": "organization"}]
    )
    agency_id = session.scalar(sa.select(Agency.id))
    rows = [
        {
            "agency_id": agency_id,
            "code": f"S{n:06d}",
            "name_fa": f"خدمت {n}",
            "kind": "service",
            "audience": "citizens",
            "channels": ["web"],
            "maturity": 3,
            "public_url": f"{url}/health/{n}",
            "status": "active",
            "version": 1,
        }
        for n in range(services)
    ]
    session.execute(sa.insert(EService.__table__), rows)
    session.commit()
    return list(session.scalars(sa.select(EService.id).order_by(EService.id)))


def probe_rows(url: str, port: int) -> list[Row]:
    from onboarding.probes import services as probes
    from onboarding.probes.prober import ProbeConfig, parse_networks

    config = ProbeConfig(allowed_networks=parse_networks("127.0.0.0/8"))
    factory = make_sessionmaker(make_engine(url))
    with factory() as session:
        ids = _catalog(session, f"http://127.0.0.1:{port}", PROBES)
    with factory() as session:
        started = time.perf_counter()
        for service_id in ids:
            probes.probe_service(session, SYSTEM, service_id, config)
        loop = time.perf_counter() - started
    pool = urllib3.HTTPConnectionPool("127.0.0.1", port=port, maxsize=1)
    started = time.perf_counter()
    for n in range(PROBES):
        pool.request("GET", f"/health/{n}").data  # noqa: B018 - read the body, as a probe does
    plain = time.perf_counter() - started
    pool.close()
    worker = celery_probes_per_second(url, ids)
    size = f"{PROBES:,} probes, local server"
    return [
        Row(
            "probes, one slot (probe_service loop)",
            size,
            PROBES / loop,
            "probes/s",
            f"{plain / loop:.0%} of plain GETs",
        ),
        Row(
            f"probes, one Celery worker ({CONCURRENCY} threads)",
            size,
            worker,
            "probes/s",
            f"{worker * loop / PROBES:.1f}x the one-slot loop",
        ),
        Row("plain pooled GETs (no checks, no rows)", size, PROBES / plain, "requests/s", "baseline"),
    ]


def celery_probes_per_second(url: str, ids: list[int]) -> float:
    from celery.contrib.testing.worker import start_worker

    from core.settings import load_settings
    from onboarding.probes.models import ProbeResult
    from workers.app import create_celery
    from workers.celery_names import TaskNames

    engine = make_engine(url)
    with engine.connect() as connection:
        before = connection.scalar(sa.select(sa.func.count()).select_from(ProbeResult))
    with tempfile.TemporaryDirectory() as var:
        settings = load_settings(
            {},
            var_dir=var,
            database_url=url,
            broker_url=REDIS_URL,
            redis_url=REDIS_URL,
            task_queue_prefix=f"bench-{uuid.uuid4().hex[:8]}-",
            probe_allowed_networks="127.0.0.0/8",
            probe_host_concurrency=CONCURRENCY,
            secret_key="bench-only",
        )
        app = create_celery(settings)
        queues = ",".join(app.conf.task_queues_names)
        with start_worker(
            app, pool="threads", concurrency=CONCURRENCY, perform_ping_check=False, queues=queues
        ):
            started = time.perf_counter()
            for service_id in ids:
                app.send_task(TaskNames.PROBE_SERVICE, args=[service_id])
            while True:
                with engine.connect() as connection:
                    done = connection.scalar(sa.select(sa.func.count()).select_from(ProbeResult)) - before
                if done >= len(ids):
                    break
                time.sleep(0.05)  # a benchmark's poll, not a test's
            seconds = time.perf_counter() - started
    engine.dispose()
    return len(ids) / seconds


def evidence_rows(url: str) -> list[Row]:
    from bench.bench_compliance import generate
    from onboarding.compliance.models import Milestone
    from onboarding.compliance.services import take_snapshot
    from onboarding.probes.models import ProbeResult

    factory = make_sessionmaker(make_engine(url))
    day = dt.datetime.now(dt.UTC).date()
    with factory() as session:
        generate(session, AGENCIES, SERVICES)
        session.execute(
            sa.update(sa.table("services", sa.column("public_url"))).values(public_url="https://x.example/")
        )
        services = session.execute(sa.text("SELECT id, agency_id FROM services")).all()
        rng = random.Random(3)
        now = dt.datetime.now(dt.UTC)
        batch: list[dict] = []
        for service_id, agency_id in services:
            health = rng.random()
            for n in range(PER_SERVICE):
                at = now - dt.timedelta(minutes=(n + 1) * 7 * 24 * 60 // (PER_SERVICE + 1))
                batch.append(
                    {
                        "service_id": service_id,
                        "agency_id": agency_id,
                        "at": at,
                        "up": rng.random() < health,
                        "status_code": 200,
                        "latency_ms": 30,
                        "error_class": "",
                        "error_detail": "",
                        "address": "",
                    }
                )
            if len(batch) >= 20000:
                session.execute(sa.insert(ProbeResult.__table__), batch)
                batch = []
        if batch:
            session.execute(sa.insert(ProbeResult.__table__), batch)
        session.commit()
        session.execute(sa.text("ANALYZE"))
    with factory() as session:
        take_snapshot(session, SYSTEM, day)  # warm
        started = time.perf_counter()
        take_snapshot(session, SYSTEM, day)
        declared = time.perf_counter() - started
        session.execute(sa.update(Milestone.__table__).values(evidence_required=True))
        session.commit()
        started = time.perf_counter()
        take_snapshot(session, SYSTEM, day)
        evidenced = time.perf_counter() - started
    size = f"{AGENCIES:,} agencies, {SERVICES:,} services, {SERVICES * PER_SERVICE:,} probe rows"
    return [
        Row(
            "compliance snapshot, evidence required",
            size,
            evidenced * 1000,
            "ms",
            f"{evidenced / declared:.1f}x declared",
        ),
        Row("compliance snapshot, declarations only (today's)", size, declared * 1000, "ms", "baseline"),
    ]


def run() -> list[Row]:
    rows: list[Row] = []
    with temporary_database("probes", "platform") as url, local_server() as port:
        rows.extend(probe_rows(url, port))
    with temporary_database("evidence", "platform") as url:
        rows.extend(evidence_rows(url))
    return rows
