"""Phones answering the survey through a real gunicorn: shared by the load test and the benchmark.

Each phone is a `requests.Session` (its own device cookie) with an address of its own in
X-Forwarded-For (the server trusts one proxy, as behind the production reverse proxy). A phone
that loses its connection resends the same form (same submission id), as the page's script does.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
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
        env={**env, "GOVCLOUD_TRUSTED_PROXIES": "1"},
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


# --- a client that is not the bottleneck --------------------------------------------------------
# `requests` costs about 0.8 ms of CPU per call, and sixteen threads in one process share one GIL:
# such a client tops out near 1,300 calls/s on its own, so a bare endpoint measured with it shows
# the client's ceiling, not the server's. The benchmark sends prepared bytes on raw sockets from
# several processes instead (about 0.01 ms of client CPU per request).


def raw_get(path: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n".encode()


def raw_post(phone: Phone) -> bytes:
    """The phone's opened form as the request its browser would send (cookie, address, body)."""
    from urllib.parse import urlencode

    body = urlencode(phone.form).encode()
    cookies = "; ".join(f"{name}={value}" for name, value in phone.session.cookies.items())
    head = (
        f"POST /e/{phone.token} HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n"
        f"Cookie: {cookies}\r\nX-Forwarded-For: {phone.address}\r\n"
        f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


def _send(port: int, request: bytes) -> tuple[int, float]:
    started = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    head = b"".join(chunks)[:12]
    return int(head[9:12]), (time.perf_counter() - started) * 1000


def _send_all(job: tuple[int, list[bytes], int]) -> list[tuple[int, float]]:
    port, requests_, threads = job
    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(lambda request: _send(port, request), requests_))


def blast(
    url: str, requests_: list[bytes], processes: int = 8, threads: int = 2
) -> tuple[list[tuple[int, float]], float]:
    """Send every request once, `processes` x `threads` at a time: [(status, latency ms)], seconds."""
    port = int(url.rsplit(":", 1)[1])
    parts = [requests_[n::processes] for n in range(processes)]
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        started = time.perf_counter()
        results = pool.map(_send_all, [(port, part, threads) for part in parts])
        seconds = time.perf_counter() - started
    return [result for part in results for result in part], seconds


def cpu_seconds(gunicorn_master: int) -> dict[str, float]:
    """CPU time used so far by the server's parts: gunicorn (master and workers), PostgreSQL (every
    backend on this machine) and Redis, read from /proc. Differences around a run give its cost."""
    tick = os.sysconf("SC_CLK_TCK")
    workers = set(worker_pids(gunicorn_master)) | {gunicorn_master}
    used = {"gunicorn": 0.0, "PostgreSQL": 0.0, "Redis": 0.0}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        seconds = (int(fields[11]) + int(fields[12])) / tick
        if int(entry.name) in workers:
            used["gunicorn"] += seconds
        elif name.startswith("postgres"):
            used["PostgreSQL"] += seconds
        elif name.startswith("redis"):
            used["Redis"] += seconds
    return used
