"""The survey page on a cheap phone: Debian's Chromium with slow-3G throttling through the DevTools
protocol (400 ms round trip, 400 kbit/s each way, CPU slowed 4x), a fresh browser context (empty
cache) for each load. It prints DOMContentLoaded and first contentful paint (the page is usable when
both have happened: the form is parsed and shown), the requests the page made and the bytes it
moved, beside the previous page measured in the same run on the same server.

The previous page had its stylesheet and script as separate files (three requests); it is no longer
served by the app, so the benchmark rebuilds it for the baseline only: a WSGI wrapper answers
`/baseline/e/<token>` with the current page whose inline <style> and <script> are replaced by the
previous template's <link rel="stylesheet" href="/static/css/survey.css"> and
<script src="/static/js/survey.js" defer>, under the default CSP (the files are still the sources
the app inlines). Loads alternate between the two pages, so load from elsewhere on this shared
machine falls on both.

BENCH_SURVEY_PAGE_LOADS sets the loads of each page (default 5; the median is shown).
Needs PostgreSQL (a database of its own, dropped afterwards) and Redis (the scan limit, as deployed:
BENCH_REDIS_URL, default redis://127.0.0.1:6379/8, keys under this run's own prefix).
"""

from __future__ import annotations

import os
import statistics
import tempfile
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from bench.feedback_common import bench_database, seed_desks, survey_settings
from bench.table import Row
from core.web import DEFAULT_CSP

LOADS = int(os.environ.get("BENCH_SURVEY_PAGE_LOADS", "5"))
CHROMIUM = os.environ.get("GOVCLOUD_TEST_CHROMIUM", "/usr/bin/chromium")
SLOW_3G = {
    "offline": False,
    "latency": 400,  # ms added to each request's round trip
    "downloadThroughput": 400_000 / 8,  # bytes per second
    "uploadThroughput": 400_000 / 8,
}
CPU_SLOWDOWN = 4
BASELINE = "/baseline"
OLD_STYLE = '<link rel="stylesheet" href="/static/css/survey.css">'
OLD_SCRIPT = '<script src="/static/js/survey.js" defer></script>'
_METRICS = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const fcp = performance.getEntriesByName("first-contentful-paint")[0];
  const resources = performance.getEntriesByType("resource");
  return {
    dcl: nav.domContentLoadedEventEnd,
    fcp: fcp ? fcp.startTime : null,
    bytes: nav.transferSize + resources.reduce((sum, r) => sum + r.transferSize, 0),
  };
}"""

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class PreviousPage:
    """`/baseline/e/<token>`: the app's page rewritten as the previous template rendered it."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.wsgi_app: WSGIApp = app.wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if not environ.get("PATH_INFO", "").startswith(BASELINE + "/"):
            return self.wsgi_app(environ, start_response)
        from werkzeug.test import run_wsgi_app

        environ["PATH_INFO"] = environ["PATH_INFO"][len(BASELINE) :]
        chunks, status, headers = run_wsgi_app(self.wsgi_app, environ, buffered=True)
        assets = self.app.extensions["survey_inline"]
        body = b"".join(chunks).decode()
        body = body.replace(f"<style>{assets.css}</style>", OLD_STYLE)
        body = body.replace(f"<script>{assets.js}</script>", OLD_SCRIPT)
        encoded = body.encode()
        headers["Content-Length"] = str(len(encoded))
        headers["Content-Security-Policy"] = DEFAULT_CSP
        start_response(status, list(headers.items()))
        return [encoded]


def _load(browser: Any, url: str) -> dict[str, float]:
    """One load on a cold cache under the phone's profile: its timings, requests and bytes."""
    context = browser.new_context(locale="fa-IR", viewport={"width": 360, "height": 740}, is_mobile=True)
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Network.emulateNetworkConditions", SLOW_3G)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
    response = page.goto(url, wait_until="load")
    assert response is not None and response.status == 200, url
    page.wait_for_function("performance.getEntriesByName('first-contentful-paint').length > 0")
    metrics = page.evaluate(_METRICS)
    context.close()
    return {**metrics, "requests": len(requests)}


def run() -> list[Row]:
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import WSGIRequestHandler, make_server

    from feedback.web.app import create_app

    with tempfile.TemporaryDirectory() as var, bench_database() as url:
        [token] = seed_desks(url, Path(var), 1)
        app = create_app(survey_settings(var, url))
        quiet = type("Quiet", (WSGIRequestHandler,), {"log_request": lambda *_args, **_kw: None})
        server = make_server("127.0.0.1", 0, PreviousPage(app), threaded=True, request_handler=quiet)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        base = f"http://127.0.0.1:{server.server_port}"
        pages = {"now": f"{base}/e/{token}", "before": f"{base}{BASELINE}/e/{token}"}
        loads: dict[str, list[dict[str, float]]] = {"now": [], "before": []}
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
                )
                for which in pages:  # warm-up: the server's first render, Chromium's first start
                    _load(browser, pages[which])
                for _ in range(LOADS):
                    for which, page_url in pages.items():
                        loads[which].append(_load(browser, page_url))
                browser.close()
        finally:
            server.shutdown()
            thread.join(10)

    def median(which: str, key: str) -> float:
        return statistics.median(load[key] for load in loads[which])

    size = f"{LOADS} cold loads each, median"
    profile = "slow 3G: 400 ms RTT, 400 kbit/s, CPU 4x"
    rows = []
    for key, what in (("dcl", "DOMContentLoaded"), ("fcp", "first contentful paint")):
        now, before = median("now", key), median("before", key)
        rows.append(
            Row(
                f"survey page {what} ({profile})",
                size,
                now,
                "ms",
                f"previous page (CSS and script apart): {before:,.0f} ms, {before / now:.1f}x slower",
            )
        )
    rows.append(
        Row(
            "survey page requests",
            size,
            median("now", "requests"),
            "requests",
            f"previous page: {median('before', 'requests'):.0f}",
        )
    )
    rows.append(
        Row(
            "survey page bytes transferred (headers included)",
            size,
            median("now", "bytes"),
            "bytes",
            f"previous page: {median('before', 'bytes'):,.0f}; first TCP flight: 14,600",
        )
    )
    return rows
