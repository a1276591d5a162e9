"""Phones answering the survey through a real gunicorn: shared by the load test and the benchmark.

Each phone is a `requests.Session` (its own device cookie) with an address of its own in
X-Forwarded-For (the server trusts one proxy, as behind the production reverse proxy). A phone
that loses its connection resends the same form (same submission id), as the page's script does.
"""

from __future__ import annotations

import dataclasses
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import requests

FORM_TOKEN = re.compile(r'name="form_token" value="([^"]+)"')
ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def gunicorn(env: Mapping[str, str], workers: int = 3) -> Iterator[tuple[str, subprocess.Popen]]:
    """`gunicorn 'feedback.web.app:create_app()'` on a free loopback port; stopped afterwards."""
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--graceful-timeout",
            "5",
            "feedback.web.app:create_app()",
        ],
        env={**env, "GOVCLOUD_FEEDBACK_TRUSTED_PROXIES": "1"},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(url + "/healthz", timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not start: " + process.stderr.read().decode()[-2000:])
            time.sleep(0.2)
        yield url, process
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def worker_pids(master: int) -> list[int]:
    """The master's worker processes (its children), read from /proc."""
    found = []
    for task in Path(f"/proc/{master}/task").iterdir():
        children = (task / "children").read_text().split()
        found.extend(int(pid) for pid in children)
    return found


@dataclasses.dataclass
class Phone:
    url: str
    token: str
    address: str
    session: requests.Session = dataclasses.field(default_factory=requests.Session)
    form: dict[str, str] = dataclasses.field(default_factory=dict)

    def open(self) -> None:
        """Open the survey (device cookie + signed form), retrying while a worker restarts."""
        self.session.headers["X-Forwarded-For"] = self.address
        for _ in range(20):
            try:
                page = self.session.get(f"{self.url}/e/{self.token}", timeout=10)
            except requests.ConnectionError:
                time.sleep(0.1)
                continue
            if page.status_code == 200:
                match = FORM_TOKEN.search(page.text)
                assert match
                self.form = {"q1": "5", "q2": "4", "q3": "3", "q4": "4", "form_token": match.group(1)}
                return
            time.sleep(0.1)
        raise RuntimeError(f"survey page did not open for {self.token}")

    def submit(self) -> tuple[int, float, int]:
        """(final status, latency of the answered attempt in ms, attempts). Resends the same form
        after a lost connection: the server counts it once."""
        attempts = 0
        while True:
            attempts += 1
            started = time.perf_counter()
            try:
                answer = self.session.post(f"{self.url}/e/{self.token}", data=self.form, timeout=30)
            except requests.ConnectionError:
                if attempts >= 10:
                    return 0, 0.0, attempts
                time.sleep(0.05 * attempts)
                continue
            latency = (time.perf_counter() - started) * 1000
            if answer.status_code == 503 and attempts < 10:
                time.sleep(0.05 * attempts)
                continue
            return answer.status_code, latency, attempts


def phones(url: str, tokens: list[str], count: int) -> list[Phone]:
    return [
        Phone(url, tokens[n % len(tokens)], f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}")
        for n in range(count)
    ]


def open_all(all_phones: list[Phone], concurrency: int) -> None:
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(lambda phone: phone.open(), all_phones))


def submit_all(
    all_phones: list[Phone], concurrency: int, midway: threading.Event | None = None
) -> tuple[list[tuple[int, float, int]], float]:
    """Submit every phone's form concurrently; `midway` is set when half have answered."""
    results: list[tuple[int, float, int]] = []
    lock = threading.Lock()

    def one(phone: Phone) -> None:
        result = phone.submit()
        with lock:
            results.append(result)
            if midway is not None and len(results) == len(all_phones) // 2:
                midway.set()

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(one, all_phones))
    return results, time.perf_counter() - started


def hammer(url: str, path: str, count: int, concurrency: int) -> tuple[list[float], float]:
    """GET `path` `count` times from `concurrency` threads (one keep-alive session each)."""
    local = threading.local()

    def one(_n: int) -> float:
        if not hasattr(local, "session"):
            local.session = requests.Session()
        started = time.perf_counter()
        assert local.session.get(url + path, timeout=30).status_code in (200, 204)
        return (time.perf_counter() - started) * 1000

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        samples = list(pool.map(one, range(count)))
    return samples, time.perf_counter() - started
