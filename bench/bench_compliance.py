"""A full compliance snapshot (1,000 agencies, 100,000 services by default; issue 16's size is
GOVCLOUD_BENCH_AGENCIES=10000) beside a naive baseline that queries per agency and milestone (run on
the first GOVCLOUD_BENCH_NAIVE_AGENCIES agencies and scaled to all), and the dashboard, one province
and the matrix API read from the standings beside the old path (every agency and snapshot read into
Python, every row rendered: bench/compliance_baseline.py), in the same run on the same data.

Data go into a temporary PostgreSQL database created here and dropped afterwards (admin URL from
GOVCLOUD_BENCH_DATABASE_URL, else GOVCLOUD_TEST_DATABASE_URL: bench/databases.py). Sizes:
GOVCLOUD_BENCH_AGENCIES, GOVCLOUD_BENCH_SERVICES.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import time
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bench.databases import temporary_database
from bench.table import Row
from core.actors import SYSTEM
from core.db import make_engine, make_sessionmaker

AGENCIES = int(os.environ.get("GOVCLOUD_BENCH_AGENCIES", "1000"))
SERVICES = int(os.environ.get("GOVCLOUD_BENCH_SERVICES", "100000"))
DAY = dt.date(2026, 11, 29)
REQUESTS = int(os.environ.get("GOVCLOUD_BENCH_REQUESTS", "30"))
OLD_REQUESTS = int(os.environ.get("GOVCLOUD_BENCH_OLD_REQUESTS", "5"))
NAIVE_AGENCIES = int(os.environ.get("GOVCLOUD_BENCH_NAIVE_AGENCIES", "200"))


def generate(session: Session, agencies: int, services: int, seed: int = 7) -> list[int]:
    """Ministries (1 in 20), organizations under them, and provincial offices under those; services
    spread unevenly (some agencies have many, some none), 80% services and 20% inquiries."""
    from catalog.models import Agency, EService
    from catalog.tree import rebuild_paths
    from onboarding.compliance.seed import DEFAULT_MILESTONES, seed_default_program
    from onboarding.compliance.services import create_milestone

    rng = random.Random(seed)
    ministries = max(1, agencies // 20)
    rows = []
    for n in range(agencies):
        kind = (
            "ministry" if n < ministries else ("organization" if n < agencies // 2 else "provincial_office")
        )
        rows.append(
            {
                "code": f"B{n:06d}",
                "name_fa": f"دستگاه {n}",
                "name_en": f"Agency {n}",
                "kind": kind,
                "province_code": f"{rng.randint(1, 31):02d}",
                "active": True,
            }
        )
    session.execute(sa.insert(Agency.__table__), rows)
    ids = list(session.scalars(sa.select(Agency.id).order_by(Agency.id)))
    parents = []
    for index, agency_id in enumerate(ids):
        if index < ministries:
            continue
        pool = (
            ids[:ministries] if index < agencies // 2 else ids[ministries : agencies // 2] or ids[:ministries]
        )
        parents.append({"b_id": agency_id, "b_parent": rng.choice(pool)})
    session.execute(
        sa.update(Agency.__table__)
        .where(Agency.__table__.c.id == sa.bindparam("b_id"))
        .values(parent_id=sa.bindparam("b_parent")),
        parents,
    )
    rebuild_paths(session)  # the rows were written around the model, whose events keep the paths
    weights = [rng.paretovariate(1.5) for _ in ids]
    owners = rng.choices(ids, weights=weights, k=services)
    service_rows = []
    for n, owner in enumerate(owners):
        inquiry = rng.random() < 0.2
        service_rows.append(
            {
                "agency_id": owner,
                "code": f"S{n:07d}",
                "name_fa": f"خدمت {n}",
                "name_en": f"Service {n}",
                "kind": "inquiry" if inquiry else "service",
                "audience": "citizens",
                "channels": ["web"],
                "maturity": rng.choices(range(5), weights=[1, 2, 3, 4, 2])[0],
                "online_m2m": inquiry and rng.random() < 0.7,
                "public_url": "",
                "owner_name": "",
                "owner_email": "",
                "owner_phone": "",
                "status": rng.choices(["active", "draft", "retired"], weights=[90, 5, 5])[0],
                "version": 1,
            }
        )
    for start in range(0, len(service_rows), 10000):
        session.execute(sa.insert(EService.__table__), service_rows[start : start + 10000])
    session.commit()
    seed_default_program(session)
    # A program whose deadlines are still ahead, so statuses include on track and at risk.
    from onboarding.compliance.services import create_program

    future = create_program(session, SYSTEM, {"code": "bench-future", "title_fa": "آینده"})
    for spec in DEFAULT_MILESTONES[:3]:
        create_milestone(
            session,
            SYSTEM,
            future.id,
            {**spec, "deadline": DAY + dt.timedelta(days=90), "target_kind": "ratio"},
        )
    return ids


def naive_snapshot(session: Session, day: dt.date, limit: int | None = None) -> int:
    """The obvious loop: per agency and milestone, one metric query, one history query, one upsert
    (over the first `limit` agencies when given)."""
    from onboarding.compliance import metrics
    from onboarding.compliance import queries as q
    from onboarding.compliance.evaluation import TREND_DAYS, evaluate
    from onboarding.compliance.models import ComplianceSnapshot
    from onboarding.compliance.snapshots import _upsert

    rows = 0
    milestones = q.list_active_milestones(session)
    for agency in q.list_agencies(session)[:limit]:
        for milestone in milestones:
            if not q.in_scope(milestone, agency.kind):
                continue
            own = metrics.measure(session, milestone.metric, [agency.id])[agency.id]
            history = session.execute(
                sa.select(ComplianceSnapshot.day, ComplianceSnapshot.value).where(
                    ComplianceSnapshot.agency_id == agency.id,
                    ComplianceSnapshot.milestone_id == milestone.id,
                    ComplianceSnapshot.day >= day - dt.timedelta(days=TREND_DAYS),
                    ComplianceSnapshot.day < day,
                    ComplianceSnapshot.value.is_not(None),
                )
            ).all()
            status, projected = evaluate(own.value, milestone.target, milestone.deadline, day, history)
            _upsert(
                session,
                [
                    {
                        "agency_id": agency.id,
                        "milestone_id": milestone.id,
                        "day": day,
                        "numerator": own.numerator,
                        "denominator": own.denominator,
                        "value": own.value,
                        "status": str(status),
                        "projected": projected,
                        "group_numerator": own.numerator,
                        "group_denominator": own.denominator,
                        "computed_at": dt.datetime.now(dt.UTC),
                    }
                ],
            )
            rows += 1
    session.commit()
    return rows


def _seconds(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def run() -> list[Row]:
    from onboarding.compliance.services import take_snapshot

    size = f"{AGENCIES:,} agencies, {SERVICES:,} services"
    with temporary_database("compliance", "platform") as url:
        engine = make_engine(url)
        factory = make_sessionmaker(engine)
        try:
            with factory() as session:
                generate(session, AGENCIES, SERVICES)
            with factory() as session:
                for back in range(3, 0, -1):  # a few days of history for the trend
                    take_snapshot(session, SYSTEM, DAY - dt.timedelta(days=back))
            with factory() as session:
                bulk = _seconds(lambda: take_snapshot(session, SYSTEM, DAY))
                rows = take_snapshot(session, SYSTEM, DAY).rows
            with factory() as session:
                sample = min(AGENCIES, NAIVE_AGENCIES)
                naive = _seconds(lambda: naive_snapshot(session, DAY, sample)) * AGENCIES / sample
            result = [
                Row(
                    "full compliance snapshot (bulk, with standings and totals)",
                    f"{size}, {rows:,} rows",
                    bulk * 1000,
                    "ms",
                    f"{naive / bulk:.1f}x faster than naive",
                ),
                Row(
                    "naive per-agency snapshot",
                    f"{size}, {rows:,} rows"
                    + ("" if sample == AGENCIES else f" (run on {sample:,}, scaled)"),
                    naive * 1000,
                    "ms",
                    "baseline",
                ),
            ]
            result.extend(dashboard_rows(url, size))
            return result
        finally:
            engine.dispose()


def dashboard_rows(url: str, size: str) -> list[Row]:
    """The overseer dashboard's render time at this size, beside the same matrix as JSON and /healthz."""
    import re
    import tempfile

    from bench.table import percentile, timed
    from core.actors import Role
    from core.settings import load_settings
    from onboarding.compliance.reports import get_default_program
    from portal.accounts import services as accounts
    from portal.app import create_app

    factory = make_sessionmaker(make_engine(url))
    with factory() as session:
        program_id = get_default_program(session).id
        accounts.create_user(
            session,
            SYSTEM,
            email="bench@ict.gov.ir",
            name="bench",
            role=Role.overseer,
            agency_id=None,
            password="bench-password-1403",
        )
    from bench.compliance_baseline import mount

    with tempfile.TemporaryDirectory() as var:
        settings = load_settings({}, var_dir=var, database_url=url, secret_key="bench-only")
        app = create_app(settings)
        mount(app)
        client = app.test_client()
        form = client.get("/sign-in").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
        client.post(
            "/sign-in",
            data={"email": "bench@ict.gov.ir", "password": "bench-password-1403", "csrf_token": token},
        )
        pages = {
            "dashboard page (all agencies)": (
                f"/programs/{program_id}/dashboard",
                f"/bench/old/{program_id}/dashboard",
            ),
            "dashboard page (one province)": (
                f"/programs/{program_id}/dashboard?province=07",
                f"/bench/old/{program_id}/dashboard?province=07",
            ),
            "matrix as JSON (API, one page)": (
                f"/api/v1/programs/{program_id}/matrix",
                f"/bench/old/{program_id}/matrix",
            ),
        }
        assert client.get("/healthz").status_code == 200
        health = percentile(timed(lambda: client.get("/healthz"), REQUESTS), 95)
        rows = []
        for what, (path, old_path) in pages.items():
            assert client.get(path).status_code == 200, path
            assert client.get(old_path).status_code == 200, old_path
            new = percentile(timed(lambda p=path: client.get(p), REQUESTS), 95)
            old = percentile(timed(lambda p=old_path: client.get(p), OLD_REQUESTS), 95)
            rows.append(
                Row(
                    f"{what} p95",
                    f"{size}, {REQUESTS} requests",
                    new,
                    "ms",
                    f"old path {old:,.0f} ms ({old / new:.0f}x slower); {new / health:.0f}x /healthz",
                )
            )
            rows.append(
                Row(f"  old path: {what} p95", f"{size}, {OLD_REQUESTS} requests", old, "ms", "baseline")
            )
        rows.append(Row("/healthz p95", f"{REQUESTS} requests", health, "ms", "baseline"))
        return rows
