"""Rate limits for hot public endpoints: every limit a request is subject to, checked and counted in
one Redis call.

Flask-Limiter spends one Redis round trip per limit and window, plus one for its headers: five for
the survey's two limits of two windows each, a third of a submission's CPU. Here all windows go to
one Lua script, which refuses on the first exceeded limit and otherwise counts the request against
every window, atomically (no other client can slip between the check and the count).

The algorithm is the exact moving window, as Flask-Limiter's `moving-window` strategy keeps it, with
one list per key (not per limit): the last request times, newest first, as many as the key's largest
`allowed`. A request is refused when, for some limit, the `allowed`-th newest time is still inside
its window; every window of a key reads the one list, which halves the script's work for the
survey's two windows per key. A refused request is not recorded, so a client that waits regains
access as the window slides.

Without Redis (the embedded default) the same algorithm runs in process memory; so it does while a
configured Redis cannot be reached (`check` says when), each process then counting on its own.
"""

from __future__ import annotations

import collections
import dataclasses
import functools
import ipaddress
import logging
import socket
import threading
import time
from collections.abc import Sequence
from typing import Any

import redis as redis_lib
from limits import parse as parse_limit

from core import redisconn

log = logging.getLogger(__name__)
# A Redis that is down refuses at once on loopback; one that is cut off must not hold a request longer
STORE_TIMEOUT = 1.0

# One call checks and counts a batch of requests (one, for most callers), in order, so that two
# requests on one key count one after the other. KEYS: every request's lists, one per key, request
# after request. ARGV: now (seconds, float), record (1: count an allowed request, 0: only check), how
# many requests; then per request: how many keys; then per key: how many limits, the list's length
# (the largest `allowed`), its lifetime (the longest window), then per limit: allowed, window
# seconds. Returns per request: which limit refused it (counting from 1, or 0), seconds to wait.
_SCRIPT = """
local now = tonumber(ARGV[1])
local out = {}
local at = 4
local first = 0
for r = 1, tonumber(ARGV[3]) do
  local keys = tonumber(ARGV[at])
  at = at + 1
  local exceeded, wait, n, a = 0, '0', 0, at
  for i = 1, keys do
    local limits = tonumber(ARGV[a])
    a = a + 3
    for j = 1, limits do
      n = n + 1
      if exceeded == 0 then
        local oldest = redis.call('LINDEX', KEYS[first + i], tonumber(ARGV[a]) - 1)
        if oldest and tonumber(oldest) > now - tonumber(ARGV[a + 1]) then
          exceeded, wait = n, tostring(tonumber(oldest) + tonumber(ARGV[a + 1]) - now)
        end
      end
      a = a + 2
    end
  end
  if exceeded == 0 and ARGV[2] == '1' then
    local b = at
    for i = 1, keys do
      local keep = tonumber(ARGV[b + 1])
      if redis.call('LPUSH', KEYS[first + i], ARGV[1]) > keep then
        redis.call('LTRIM', KEYS[first + i], 0, keep - 1)
      end
      redis.call('EXPIRE', KEYS[first + i], tonumber(ARGV[b + 2]))
      b = b + 3 + 2 * tonumber(ARGV[b])
    end
  end
  out[#out + 1] = exceeded
  out[#out + 1] = wait
  at = a
  first = first + keys
end
return out
"""


@dataclasses.dataclass(frozen=True)
class Limit:
    """At most `allowed` requests per `seconds`, per key."""

    allowed: int
    seconds: int

    def __post_init__(self) -> None:
        if self.allowed < 1 or self.seconds < 1:
            raise ValueError(f"a limit allows at least one request in at least a second: {self}")

    def __str__(self) -> str:
        return f"{self.allowed} per {self.seconds}s"


@dataclasses.dataclass(frozen=True)
class Refusal:
    """The first limit a request exceeded, and when the oldest request it counts leaves its window."""

    limit: Limit
    retry_after: float


def parse_limits(text: str) -> tuple[Limit, ...]:
    """'60 per minute;600 per hour', read by Flask-Limiter's own parser (`limits.parse`), so the
    survey's limits and the other pages' read alike; the error names the part it could not read."""
    limits = []
    for part in text.split(";"):
        try:
            item = parse_limit(part)
        except ValueError:
            raise ValueError(f"not a rate limit: {part!r} (expected e.g. '60 per minute')") from None
        limits.append(Limit(item.amount, item.get_expiry()))
    return tuple(limits)


Check = tuple[str, Sequence[Limit]]  # (key, the limits on that key)
Verdict = tuple[Refusal | None, bool]  # (the first limit exceeded, decided without the shared store)


@functools.lru_cache(maxsize=64)
def _script_args(limits: tuple[Limit, ...]) -> tuple[int, ...]:
    """A key's part of the script's ARGV, worked out once per set of limits (they are constants):
    how many limits, the list's length (the largest `allowed`), its lifetime (the longest window),
    then each limit's allowed and window."""
    each = [number for limit in limits for number in (limit.allowed, limit.seconds)]
    keep = max(limit.allowed for limit in limits)
    return (len(limits), keep, max(limit.seconds for limit in limits), *each)


class RateLimiter:
    """`hit(checks)` returns None when the request may go ahead (and counts it against every window),
    or a `Refusal` naming the first limit it exceeds (and counts nothing)."""

    def __init__(self, redis_url: str | None, prefix: str) -> None:
        # One script call touches every key of a request (an address's and a device's): on Redis
        # Cluster they must share a hash slot, so the prefix is a hash tag and every key of this
        # limiter lives on one node (one call per request there, not one per key).
        self.prefix = hash_tagged(prefix)
        self._redis = (
            redisconn.connect(redis_url, socket_connect_timeout=STORE_TIMEOUT, socket_timeout=STORE_TIMEOUT)
            if redis_url
            else None
        )
        self._script = self._redis.register_script(_SCRIPT) if self._redis is not None else None
        # key: (its last request times, oldest first, as many as its largest `allowed`; longest window)
        self._memory: dict[str, tuple[collections.deque[float], int]] = {}
        self._lock = threading.Lock()
        self._next_sweep = 10_000

    def hit(
        self, checks: Sequence[Check], now: float | None = None, *, record: bool = True
    ) -> Refusal | None:
        """Check every limit of every key; count the request against all of them only if none is
        exceeded (and `record`: without it, only ask whether a request would be refused, for limits
        counted after the fact, such as on a miss). `now` is for tests; the windows are wall-clock
        seconds shared by every process. A key is always checked with the same limits (its list's
        length is their largest)."""
        now = time.time() if now is None else now
        if self._script is None:
            keys = [self.prefix + key for key, _limits in checks]
            return _refusal(checks, self._hit_memory(keys, checks, now, record))
        return _refusal(checks, self._run_script([checks], now, record)[:2])

    def check_many(self, requests: Sequence[Sequence[Check]], now: float | None = None) -> list[Verdict]:
        """`check` for several requests in one script call (the survey's group commit), in order, so
        two requests on one key count one after the other as they would in two calls. Falls back to
        this process's memory as `check` does."""
        now = time.time() if now is None else now
        if self._redis is None or self._script is None:
            return [(self.hit(checks, now), False) for checks in requests]
        try:
            replies = self._run_script(requests, now, True)
        except redis_lib.RedisError as exc:
            log.warning("rate limits: store unreachable (%s); counting in this process", type(exc).__name__)
            return [self._memory_verdict(checks, now, True) for checks in requests]
        return [(_refusal(checks, replies[2 * n : 2 * n + 2]), False) for n, checks in enumerate(requests)]

    def _run_script(self, requests: Sequence[Sequence[Check]], now: float, record: bool) -> list[Any]:
        """The script once for all `requests` (redis-py loads it again when Redis lost it)."""
        assert self._script is not None
        keys = [self.prefix + key for checks in requests for key, _limits in checks]
        args: list[float | int] = [now, 1 if record else 0, len(requests)]
        for checks in requests:
            args.append(len(checks))
            for _key, limits in checks:
                args += _script_args(tuple(limits))
        return list(self._script(keys=keys, args=args))

    def check(self, checks: Sequence[Check], now: float | None = None, *, record: bool = True) -> Verdict:
        """`hit`, falling back to this process's memory while Redis cannot be reached: (the verdict,
        whether it was decided without the shared store). A caller that must not lose what it was
        asked to do (a citizen's answer) takes it on and marks it for review rather than refusing it
        or failing; the limits still hold per process."""
        try:
            return self.hit(checks, now, record=record), False
        except redis_lib.RedisError as exc:
            log.warning("rate limits: store unreachable (%s); counting in this process", type(exc).__name__)
        return self._memory_verdict(checks, time.time() if now is None else now, record)

    def _memory_verdict(self, checks: Sequence[Check], now: float, record: bool) -> Verdict:
        keys = [self.prefix + key for key, _limits in checks]
        return _refusal(checks, self._hit_memory(keys, checks, now, record)), True

    def _hit_memory(
        self, keys: list[str], checks: Sequence[Check], now: float, record: bool = True
    ) -> tuple[int, float]:
        with self._lock:
            n = 0
            for key, (_key, limits) in zip(keys, checks, strict=True):
                times = self._memory.get(key, ((), 0))[0]  # oldest first
                for limit in limits:
                    n += 1
                    if len(times) >= limit.allowed and times[-limit.allowed] > now - limit.seconds:
                        return n, times[-limit.allowed] + limit.seconds - now
            if not record:
                return 0, 0.0
            for key, (_key, limits) in zip(keys, checks, strict=True):
                _count, keep, lifetime, *_each = _script_args(tuple(limits))
                self._memory.setdefault(key, (collections.deque(maxlen=keep), lifetime))[0].append(now)
            if len(self._memory) > self._next_sweep:  # forget keys whose window has passed, as Redis does
                self._memory = {
                    key: (times, seconds)
                    for key, (times, seconds) in self._memory.items()
                    if times[-1] > now - seconds
                }
                self._next_sweep = 2 * len(self._memory) + 10_000
        return 0, 0.0


def _refusal(checks: Sequence[Check], reply: Sequence[Any]) -> Refusal | None:
    """The script's (or the memory's) answer, [which limit, counting from 1, or 0; seconds to wait],
    as a verdict."""
    exceeded, wait = int(reply[0]), float(reply[1])
    if not exceeded:
        return None
    flat = [limit for _key, limits in checks for limit in limits]
    return Refusal(flat[exceeded - 1], wait)


def hash_tagged(prefix: str) -> str:
    """`prefix` as a Redis Cluster hash tag: `a:` becomes `{a}:`; keys under it share one slot."""
    name = prefix.rstrip(":")
    return prefix if name.startswith("{") else "{" + name + "}" + prefix[len(name) :]


def address_prefix(address: str, ipv4_prefix: int = 32, ipv6_prefix: int = 64) -> str:
    """The network an address belongs to, for limits that a client rotating addresses cannot slip:
    an IPv6 subscriber is given a whole /64 (2^64 addresses), an IPv4 one usually one address (or a
    carrier's pool: `ipv4_prefix` is a setting). Anything that is not an address is its own key."""
    if ipv4_prefix == 32 and address.count(".") == 3:  # the common case, without ipaddress's parser
        try:
            packed = socket.inet_pton(socket.AF_INET, address)
        except OSError:
            pass
        else:
            return socket.inet_ntop(socket.AF_INET, packed) + "/32"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    bits = ipv4_prefix if ip.version == 4 else ipv6_prefix
    return str(ipaddress.ip_network(f"{ip}/{bits}", strict=False))
