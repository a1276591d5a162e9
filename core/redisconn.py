"""One way to open Redis from a GOVCLOUD_REDIS_URL: `redis://`, `rediss://`, `unix://`, and
`redis+sentinel://[:password@]host:port[,host:port...]/service[/db]` (the form Flask-Limiter's
storage reads too), so the rate limits and the compliance debounce follow a Sentinel failover."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit

import redis as redis_lib
from redis.sentinel import Sentinel

SENTINEL_SCHEME = "redis+sentinel"


def connect(url: str, **options: Any) -> redis_lib.Redis:
    """A client for `url` (`options` as redis-py takes them, e.g. timeouts); for a Sentinel URL, the
    current master of its service."""
    parts = urlsplit(url)
    if parts.scheme != SENTINEL_SCHEME:
        return redis_lib.Redis.from_url(url, **options)
    hosts = []
    for host in parts.netloc.rsplit("@", 1)[-1].split(","):
        name, _, port = host.rpartition(":")
        hosts.append((name, int(port or 26379)))
    path = [p for p in parts.path.split("/") if p]
    if not path:
        raise ValueError(
            f"{SENTINEL_SCHEME}:// needs the service name: {SENTINEL_SCHEME}://host:26379/mymaster"
        )
    password = unquote(parts.password) if parts.password else None
    db = int(path[1]) if len(path) > 1 else 0
    sentinel = Sentinel(hosts, socket_timeout=options.get("socket_timeout", 5))
    return sentinel.master_for(path[0], db=db, password=password, **{"socket_timeout": 5, **options})
