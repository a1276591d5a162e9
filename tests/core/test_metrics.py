"""Metrics summed over every process of a pod (prometheus_client's multiprocess mode), on a port of
their own: gunicorn's workers (the master serves the sum) and a Celery worker's pool."""

from __future__ import annotations

import json
import os
import re
import signal
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from feedback.celery_names import TaskNames
from tests.fixtures.processes import free_port, gunicorn
from tests.fixtures.services import settings_env, worker_process
from tests.waiting import wait_until

READY = 'http_requests_total{endpoint="health.readyz",method="GET",service="feedback",status="200"}'


def _worker_pids(master: int) -> set[int]:
    return {
        int(pid)
        for task in Path(f"/proc/{master}/task").iterdir()
        for pid in (task / "children").read_text().split()
    }


def _served_by(log: Path) -> set[int]:
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    return {
        line["pid"] for line in lines if line["logger"] == "gunicorn.access" and line["path"] == "/readyz"
    }


def _sample(scrape: str, series: str) -> float:
    match = re.search(re.escape(series) + r" ([0-9.e+]+)", scrape)
    assert match, f"{series} not in the scrape"
    return float(match.group(1))


def test_the_metrics_port_sums_every_gunicorn_worker(settings, tmp_path):
    port = free_port()
    env = {
        **settings_env(settings),
        "GOVCLOUD_METRICS_PORT": str(port),
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prometheus"),
    }
    with gunicorn(env, "feedback.web.app:create_app()", tmp_path / "pod", workers=3) as (url, master, log):
        workers = _worker_pids(master.pid)
        assert len(workers) == 3
        sent = 0
        with ThreadPoolExecutor(6) as pool:
            # Until every worker has served some: the kernel hands connections to whichever accepts.
            while _served_by(log) != workers and sent < 3000:
                statuses = list(
                    pool.map(lambda _n: requests.get(f"{url}/readyz", timeout=10).status_code, range(30))
                )
                assert statuses == [200] * 30
                sent += 30
        assert _served_by(log) == workers
        scrape = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
        assert _sample(scrape, READY) == sent
        assert "process_resident_memory_bytes" in scrape
        # The public port has no /metrics: the ingress routes it.
        assert requests.get(f"{url}/metrics", timeout=10).status_code == 404

        # A worker dies (OOM-killed, say): what it counted stays in the sum.
        os.kill(sorted(workers)[0], signal.SIGKILL)
        wait_until(lambda: len(_worker_pids(master.pid) - workers) == 1, timeout=30, what="a new worker")
        requests.get(f"{url}/readyz", timeout=10)
        scrape = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
        assert _sample(scrape, READY) == sent + 1


def test_a_celery_worker_counts_its_tasks_on_its_metrics_port(
    settings, feedback_celery_app, committed_feedback
):
    port = free_port()
    # A queue of its own: the session's feedback worker, if running, must not take these tasks.
    queue = "metrics-test"
    with worker_process(settings.replace(metrics_port=port), "feedback", "worker", f"--queues={queue}"):
        results = [
            feedback_celery_app.send_task(TaskNames.FOLD_ROLLUPS, queue=settings.task_queue_prefix + queue)
            for _ in range(3)
        ]
        series = f'celery_tasks_total{{state="success",task="{TaskNames.FOLD_ROLLUPS}"}}'

        def counted() -> bool:
            scrape = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
            return series in scrape and _sample(scrape, series) >= len(results)

        wait_until(counted, timeout=60, what="the worker's task metrics")
        scrape = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
        assert _sample(scrape, series) == 3
        assert f'celery_task_duration_seconds_count{{task="{TaskNames.FOLD_ROLLUPS}"}} 3.0' in scrape
