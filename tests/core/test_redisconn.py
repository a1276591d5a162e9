"""redis+sentinel:// URLs: a private Redis and a Sentinel watching it, started by the test on ports
of their own (the shared Redis is never touched)."""

from __future__ import annotations

import subprocess
from contextlib import contextmanager

import redis

from core import redisconn
from core.ratelimit import Limit, RateLimiter
from tests.fixtures.processes import free_port, stop_group
from tests.waiting import wait_until


@contextmanager
def _redis_server(*args: str):
    process = subprocess.Popen(
        ["redis-server", *args], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        yield process
    finally:
        stop_group(process)


def test_a_sentinel_url_reaches_the_master_it_names(tmp_path):
    port, sentinel_port = free_port(), free_port()
    config = tmp_path / "sentinel.conf"
    config.write_text(
        f"port {sentinel_port}\nbind 127.0.0.1\ndir {tmp_path}\n"
        f"sentinel monitor govcloud 127.0.0.1 {port} 1\n"
    )
    with (
        _redis_server("--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"),
        _redis_server(str(config), "--sentinel"),
    ):
        direct = redis.Redis(port=port)
        wait_until(lambda: _pings(direct), timeout=20, what="the private Redis")
        sentinel = redis.Redis(port=sentinel_port)
        wait_until(lambda: _pings(sentinel), timeout=20, what="the Sentinel")

        url = f"redis+sentinel://127.0.0.1:{sentinel_port}/govcloud/3"
        client = redisconn.connect(url)
        client.set("probe", "through-sentinel")
        assert redis.Redis(port=port, db=3).get("probe") == b"through-sentinel"

        limiter = RateLimiter(url, "sentinel-test:")
        checks = [("answer:10.0.0.1", (Limit(2, 60),))]
        assert [limiter.hit(checks) is None for _ in range(3)] == [True, True, False]
        assert redis.Redis(port=port, db=3).exists("{sentinel-test}:answer:10.0.0.1")


def _pings(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.ConnectionError:
        return False
