"""The catalog at scale: import services from descriptor files, then list them through the API.

Into a temporary PostgreSQL database (created and dropped here): BENCH_SERVICES services (default
20,000; the mandate's size is 100,000) spread over the 79 reference agencies, one descriptor file
per agency. Baselines in the same run: a bare COPY of the same rows into a table shaped like
`services` (the floor for getting rows into PostgreSQL at all), and GET /healthz for the API calls.
"""

from __future__ import annotations

import os
import random
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa
import yaml

from bench.databases import temporary_database
from bench.table import Row, percentile, timed
from core.db import make_engine, make_sessionmaker

SERVICES = int(os.environ.get("BENCH_SERVICES", "20000"))
LIST_CALLS = 200
CHANNELS = ["in_person", "web", "mobile_app", "kiosk", "api"]


def _service(rng: random.Random, number: int) -> dict[str, object]:
    kind = "inquiry" if number % 4 == 0 else "service"
    return {
        "code": f"svc-{number:06d}",
        "name_fa": f"خدمت شماره {number} صدور مجوز",
        "name_en": f"Service {number} permit",
        "kind": kind,
        "audience": rng.choice(["citizens", "businesses", "government"]),
        "channels": sorted(rng.sample(CHANNELS, rng.randint(1, 3)), key=CHANNELS.index),
        "maturity": rng.randint(0, 4),
        "online_m2m": kind == "inquiry" and rng.random() < 0.5,
        "yearly_volume": rng.randint(0, 10_000_000),
        "public_url": f"https://gov.ir/s/{number}",
        "owner_name": "اداره فناوری",
        "owner_email": f"owner{number}@agency.ir",
        "owner_phone": "021-5555-0000",
        "status": rng.choice(["draft", "active", "active"]),
    }


def _write_descriptors(folder: Path, agency_codes: list[str], total: int) -> list[Path]:
    rng = random.Random(7)
    per_agency: dict[str, list[dict[str, object]]] = {code: [] for code in agency_codes}
    for number in range(total):
        per_agency[agency_codes[number % len(agency_codes)]].append(_service(rng, number))
    files = []
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    for code, services in per_agency.items():
        path = folder / f"{code}.yaml"
        document = {"agency": code, "services": services}
        path.write_text(yaml.dump(document, Dumper=dumper, allow_unicode=True, sort_keys=False), "utf-8")
        files.append(path)
    return files


def _copy_baseline(engine: sa.Engine, agency_ids: list[int], total: int) -> float:
    """Seconds to COPY the same number of rows into a table shaped like services (no checks, no
    history): what PostgreSQL alone costs."""
    rng = random.Random(7)
    columns = (
        "agency_id, code, name_fa, name_en, kind, audience, channels, maturity, online_m2m, yearly_volume, "
        "public_url, owner_name, owner_email, owner_phone, status, version, search_key"
    )
    import json

    with engine.connect() as connection:
        connection.execute(sa.text("CREATE TABLE bench_copy (LIKE services INCLUDING DEFAULTS)"))
        connection.commit()
        raw = connection.connection.dbapi_connection
        started = time.perf_counter()
        with raw.cursor() as cursor, cursor.copy(f"COPY bench_copy ({columns}) FROM STDIN") as copy:
            for number in range(total):
                s = _service(rng, number)
                copy.write_row(
                    (
                        agency_ids[number % len(agency_ids)],
                        s["code"],
                        s["name_fa"],
                        s["name_en"],
                        s["kind"],
                        s["audience"],
                        json.dumps(s["channels"]),
                        s["maturity"],
                        s["online_m2m"],
                        s["yearly_volume"],
                        s["public_url"],
                        s["owner_name"],
                        s["owner_email"],
                        s["owner_phone"],
                        s["status"],
                        1,
                        "",
                    )
                )
        raw.commit()
        return time.perf_counter() - started


def run() -> list[Row]:
    from catalog.descriptors import DescriptorError, import_document, read_documents
    from catalog.models import Agency
    from catalog.seed import seed_reference_agencies
    from core.actors import SYSTEM

    rows: list[Row] = []
    with temporary_database("catalog", "platform") as url:
        engine = make_engine(url)
        factory = make_sessionmaker(engine)
        with factory() as session:
            seed_reference_agencies(session)
            agencies = list(session.execute(sa.select(Agency.id, Agency.code).order_by(Agency.code)))
        size = f"{SERVICES:,} services, {len(agencies)} files"
        with tempfile.TemporaryDirectory() as folder:
            files = _write_descriptors(Path(folder), [code for _, code in agencies], SERVICES)
            copy_seconds = _copy_baseline(engine, [agency_id for agency_id, _ in agencies], SERVICES)
            started = time.perf_counter()
            for document in read_documents(files):  # as `govcloud catalog import FOLDER` does
                if isinstance(document, DescriptorError):
                    raise document
                with factory() as session:
                    import_document(session, SYSTEM, document)
            import_seconds = time.perf_counter() - started
            copy_rate, import_rate = SERVICES / copy_seconds, SERVICES / import_seconds
            rows.append(Row("bare COPY into services' shape", size, copy_rate, "rows/s", "baseline"))
            rows.append(
                Row(
                    "descriptor import (parse, validate, insert + history)",
                    size,
                    import_rate,
                    "rows/s",
                    f"{copy_rate / import_rate:.1f}x slower than COPY",
                )
            )
            started = time.perf_counter()
            for document in read_documents(files):  # as `govcloud catalog import FOLDER` does
                if isinstance(document, DescriptorError):
                    raise document
                with factory() as session:
                    import_document(session, SYSTEM, document)
            again = SERVICES / (time.perf_counter() - started)
            rows.append(Row("re-import, nothing changed", size, again, "rows/s", "idempotent: no writes"))
        # what autovacuum does shortly after a bulk load: statistics and the visibility map, without
        # which the planner guesses and index-only scans read the heap anyway
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(sa.text("VACUUM ANALYZE services"))
        rows.extend(_list_rows(url, SERVICES))
        engine.dispose()
    return rows


def _list_rows(url: str, total: int) -> list[Row]:
    """p50/p95 of API list calls at this size, beside /healthz through the same stack."""
    from core.actors import Role
    from core.settings import load_settings
    from portal.app import create_app

    with tempfile.TemporaryDirectory() as var:
        settings = load_settings({}, var_dir=var, database_url=url)
        app = create_app(settings)
        headers = _bearer_headers(app, Role.overseer)
        client = app.test_client()
        rng = random.Random(11)
        pages = max(1, total // 50)
        with app.extensions["db_sessionmaker"]() as session:  # where `next` links point: any service
            cursors = [
                f"{agency_id}:{code}"
                for agency_id, code in session.execute(
                    sa.text("SELECT agency_id, code FROM services ORDER BY random() LIMIT 500")
                )
            ]
        calls = {
            "GET /healthz": lambda: client.get("/healthz"),
            "GET /api/v1/services (page of 50)": lambda: client.get(
                f"/api/v1/services?page={rng.randint(1, pages)}&per_page=50", headers=headers
            ),
            "GET /api/v1/services?after=… (page of 50, a `next` link)": lambda: client.get(
                f"/api/v1/services?after={rng.choice(cursors)}&per_page=50", headers=headers
            ),
            "GET /api/v1/services?maturity=4&channel=web": lambda: client.get(
                "/api/v1/services?maturity=4&channel=web&per_page=50", headers=headers
            ),
            "GET /api/v1/services?q=… (text search)": lambda: client.get(
                f"/api/v1/services?q={rng.randint(0, total - 1)}&per_page=50", headers=headers
            ),
        }
        rows = []
        baseline = None
        for label, call in calls.items():
            status = call().status_code
            if status != 200:
                raise RuntimeError(f"{label} answered {status}")
            samples = timed(call, LIST_CALLS)
            p50, p95 = percentile(samples, 50), percentile(samples, 95)
            if baseline is None:
                baseline = p50
                rows.append(Row(f"{label} p50", f"{LIST_CALLS} calls", p50, "ms", "baseline"))
                continue
            size = f"{total:,} services"
            rows.append(Row(f"{label} p50", size, p50, "ms", f"{p50 / baseline:.1f}x /healthz"))
            rows.append(Row(f"{label} p95", size, p95, "ms", ""))
        return rows


def _bearer_headers(app, role) -> dict[str, str]:
    """A real account and a real API token (an overseer reads every agency)."""
    from core.actors import SYSTEM
    from portal.accounts.services import create_user, issue_token

    session = app.extensions["db_sessionmaker"]()
    try:
        user = create_user(
            session,
            SYSTEM,
            email=f"bench-{uuid.uuid4().hex[:6]}@gov.ir",
            name="bench",
            role=role,
            agency_id=None,
            password=uuid.uuid4().hex,
        )
        _token, plaintext = issue_token(session, SYSTEM, user.id, "bench")
    finally:
        session.close()
    return {"Authorization": f"Bearer {plaintext}"}
