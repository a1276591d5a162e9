"""The survey's rate limiter: an exact moving window, the same in Redis and in process memory."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest

from core.ratelimit import Limit, RateLimiter, Refusal, address_prefix, parse_limits


@pytest.fixture(params=["redis", "memory"])
def new_limiter(request, redis_url) -> Callable[[], RateLimiter]:
    """Limiters of one kind (in Redis, in process memory), each under keys of its own."""
    return lambda: RateLimiter(redis_url if request.param == "redis" else None, f"test-{uuid.uuid4().hex}:")


@pytest.fixture
def limiter(new_limiter) -> RateLimiter:
    return new_limiter()


def test_parse_limits_reads_flask_limiter_notation():
    assert parse_limits("60 per minute;600 per hour") == (Limit(60, 60), Limit(600, 3600))
    assert parse_limits("5/second") == (Limit(5, 1),)
    with pytest.raises(ValueError, match="not a rate limit: ' sixty per minute'"):
        parse_limits("60 per minute; sixty per minute")
    with pytest.raises(ValueError, match="at least one request"):
        parse_limits("0 per minute")


def test_moving_window_refuses_until_the_oldest_request_leaves_it(limiter):
    three_a_minute = [("phone", parse_limits("3 per minute"))]
    assert [limiter.hit(three_a_minute, now=1000 + t) for t in (0, 10, 20)] == [None] * 3
    refused = limiter.hit(three_a_minute, now=1059.5)  # a fixed window would allow it
    assert refused.limit == Limit(3, 60) and refused.retry_after == pytest.approx(0.5)
    assert limiter.hit(three_a_minute, now=1060.5) is None  # the request at 1000 has left the window
    assert limiter.hit(three_a_minute, now=1061) == Refusal(Limit(3, 60), 9.0)  # until 1010 leaves


def test_a_refused_request_counts_against_no_limit(limiter):
    address = ("address", parse_limits("2 per minute"))
    checks = [address, ("phone", parse_limits("1 per minute"))]
    assert limiter.hit(checks, now=0) is None
    for second in range(1, 30):
        assert limiter.hit(checks, now=second).limit == Limit(1, 60)
    # the 29 refusals left the address at one request of its two
    assert [limiter.hit([address], now=31), limiter.hit([address], now=32)] == [
        None,
        Refusal(Limit(2, 60), 28),
    ]


def test_each_key_and_each_window_is_counted_on_its_own(limiter):
    per_phone = parse_limits("2 per minute;3 per hour")
    assert limiter.hit([("a", per_phone)], now=0) is None
    assert limiter.hit([("a", per_phone)], now=1) is None
    assert limiter.hit([("b", per_phone)], now=2) is None  # another phone
    assert limiter.hit([("a", per_phone)], now=3).limit == Limit(2, 60)
    assert limiter.hit([("a", per_phone)], now=70) is None  # third this hour
    assert limiter.hit([("a", per_phone)], now=140) == Refusal(Limit(3, 3600), 3460)  # the hour from 0


def test_check_falls_back_to_this_process_while_redis_is_unreachable(redis_url):
    """Issue 22: a store that is down is not a 500; the limits still hold, per process, and the caller
    is told the verdict was reached without the shared store."""
    down = RateLimiter("redis://127.0.0.1:1/0", f"test-{uuid.uuid4().hex}:")
    three_a_minute = [("phone", parse_limits("3 per minute"))]
    verdicts = [down.check(three_a_minute, now=1000 + t) for t in range(4)]
    assert verdicts[:3] == [(None, True)] * 3
    refused, degraded = verdicts[3]
    assert degraded and refused.limit == Limit(3, 60)
    up = RateLimiter(redis_url, f"test-{uuid.uuid4().hex}:")
    assert up.check(three_a_minute) == (None, False)


def test_a_check_without_record_counts_nothing(limiter):
    two = [("misses", parse_limits("2 per minute"))]
    for t in range(5):
        assert limiter.hit(two, now=100 + t, record=False) is None
    limiter.hit(two, now=100)
    limiter.hit(two, now=101)
    assert limiter.hit(two, now=102, record=False) == Refusal(Limit(2, 60), 58.0)


def test_address_prefix_groups_an_ipv6_subscriber_and_a_configurable_ipv4_pool():
    assert (
        address_prefix("2001:db8:1:2:aaaa::1")
        == address_prefix("2001:db8:1:2:ffff::9")
        == "2001:db8:1:2::/64"
    )
    assert address_prefix("2001:db8:1:3::1") != address_prefix("2001:db8:1:2::1")
    assert address_prefix("192.0.2.7") == "192.0.2.7/32"
    assert address_prefix("192.0.2.7", ipv4_prefix=24) == address_prefix("192.0.2.200", 24) == "192.0.2.0/24"
    assert address_prefix("::ffff:192.0.2.7") == "192.0.2.7/32"
    assert address_prefix("not-an-address") == "not-an-address"


def test_every_key_of_one_call_shares_a_redis_cluster_slot():
    """The script gets every key of a request at once; Redis Cluster refuses keys of several slots."""
    from redis.crc import key_slot

    from core.ratelimit import hash_tagged

    limiter = RateLimiter(None, "test-run-feedback-survey-limits:")
    keys = [limiter.prefix + key for key in ("answer:10.0.0.1", "device:abc", "scan:2001:db8::/64")]
    assert len({key_slot(key.encode()) for key in keys}) == 1
    assert limiter.prefix == "{test-run-feedback-survey-limits}:"
    assert hash_tagged("{already}:") == "{already}:"


def test_check_many_counts_a_batch_as_the_same_calls_one_by_one(new_limiter):
    """The survey's group commit checks the answers that arrive together in one call: the verdicts,
    and what is left counted, are those of the same requests checked in order, also when two of
    them share a key (the second sees the first) and when one is refused (it counts nothing)."""
    two = parse_limits("2 per minute")
    batch = [
        [("address-1", two), ("phone-a", two)],
        [("address-1", two), ("phone-b", two)],
        [("address-1", two), ("phone-c", two)],  # the address's third: refused
        [("address-2", two), ("phone-a", two)],
        [("address-3", two), ("phone-a", two)],  # phone a's third: refused
    ]
    limiter, one_by_one = new_limiter(), new_limiter()
    expected = [one_by_one.check(checks, now=500) for checks in batch]
    assert limiter.check_many(batch, now=500) == expected
    assert [verdict is None for verdict, _degraded in expected] == [True, True, False, True, False]
    after = [[("phone-b", two)], [("phone-c", two)], [("address-2", two)]]
    assert limiter.check_many(after, now=501) == [one_by_one.check(checks, now=501) for checks in after]


def test_check_many_loads_the_script_again_when_redis_lost_it(redis_url):
    """After a Redis restart (or SCRIPT FLUSH) the batch is sent again with the script loaded: each
    request counted once, none lost."""
    import redis

    limiter = RateLimiter(redis_url, f"test-{uuid.uuid4().hex}:")
    one = [("phone", parse_limits("1 per minute"))]
    redis.Redis.from_url(redis_url).script_flush()
    assert limiter.check_many([one, one], now=10) == [(None, False), (Refusal(Limit(1, 60), 60.0), False)]


def test_check_many_falls_back_to_this_process_while_redis_is_unreachable():
    down = RateLimiter("redis://127.0.0.1:1/0", f"test-{uuid.uuid4().hex}:")
    one = [("phone", parse_limits("1 per minute"))]
    assert down.check_many([one, one], now=10) == [(None, True), (Refusal(Limit(1, 60), 60.0), True)]


def test_address_prefix_reads_dotted_quads_as_ipaddress_does():
    """The fast path for a plain IPv4 address agrees with `ipaddress` on what is an address."""
    for text in ("01.2.3.4", "1.2.3", "256.1.1.1", " 1.2.3.4", "1.2.3.4.5", "a.b.c.d"):
        assert address_prefix(text) == text
    assert address_prefix("10.0.0.255") == "10.0.0.255/32"
