"""What the Bale webhook costs per update: store the update, advance the conversation, write the
outbox, commit, answer 200 — beside /healthz on the same app in the same run (the ceiling).
In-process WSGI on the embedded SQLite default; BENCH_BALE_UPDATES sets the size."""

from __future__ import annotations

import itertools
import os
import tempfile

from bench.table import Row, percentile, timed
from core import migrate
from core.settings import load_settings

UPDATES = int(os.environ.get("BENCH_BALE_UPDATES", "600"))
SECRET = "bench-" + "s" * 40
STEPS = ("/start", "وزارت نیرو", "تهران", "اداره برق منطقه ۳", "تهران، خیابان آزادی، پلاک ۱", "رد شدن")


def run() -> list[Row]:
    from feedback.web.app import create_app

    with tempfile.TemporaryDirectory() as var:
        settings = load_settings({}, var_dir=var, bale_webhook_secret=SECRET)
        migrate.upgrade("feedback", settings.feedback_database_url)
        client = create_app(settings).test_client()
        ids = itertools.count(1)
        chats = itertools.count(1)
        script = itertools.cycle(STEPS)
        chat = next(chats)

        def post() -> None:
            nonlocal chat
            step = next(script)
            if step == "/start":
                chat = next(chats)
            update = {
                "update_id": next(ids),
                "message": {"chat": {"id": chat, "type": "private"}, "text": step},
            }
            assert client.post(f"/bale/webhook/{SECRET}", json=update).status_code == 200

        client.get("/healthz")
        health = timed(lambda: client.get("/healthz"), UPDATES)
        webhook = timed(post, UPDATES)
        ceiling = percentile(health, 50)
        rows = [Row("GET /healthz p50", f"{UPDATES} requests", ceiling, "ms", "baseline")]
        for p in (50, 99):
            figure = percentile(webhook, p)
            rows.append(
                Row(
                    f"Bale webhook p{p}",
                    f"{UPDATES} updates",
                    figure,
                    "ms",
                    f"{figure / ceiling:.1f}x /healthz p50",
                )
            )
        rows.append(Row("Bale webhook throughput", "1 thread", 1000 * UPDATES / sum(webhook), "updates/s"))
        return rows
