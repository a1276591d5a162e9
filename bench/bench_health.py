"""Request overhead of the portal's stack: /healthz (no I/O) beside /readyz (database + broker ping)
and the home page (one query, a Jinja render with Persian digits and Jalali dates), through the
WSGI stack in-process on the embedded SQLite default."""

from __future__ import annotations

import tempfile

from bench.table import Row, percentile, timed
from core import migrate
from core.settings import load_settings

REQUESTS = 500


def run() -> list[Row]:
    from portal.app import create_app

    with tempfile.TemporaryDirectory() as var:
        settings = load_settings({}, var_dir=var)
        migrate.upgrade("platform", settings.database_url)
        client = create_app(settings).test_client()
        rows = []
        baseline = None
        for path in ("/healthz", "/readyz", "/"):
            client.get(path)  # warm
            samples = timed(lambda p=path: client.get(p), REQUESTS)
            p50 = percentile(samples, 50)
            if baseline is None:
                baseline = p50
            rows.append(
                Row(
                    f"GET {path} p50",
                    f"{REQUESTS} requests",
                    p50,
                    "ms",
                    f"{p50 / baseline:.1f}x /healthz" if path != "/healthz" else "baseline",
                )
            )
        return rows
