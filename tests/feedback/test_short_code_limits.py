"""Short codes cannot be harvested: lookups are limited per network (an IPv6 /64, the configured
IPv4 prefix) beside the exact address, misses make a network wait longer and longer, the misses of
every network together are capped, and a hit shows the desk, not a directory entry."""

from __future__ import annotations

import uuid

import pytest

from core.ratelimit import RateLimiter
from feedback.codes import short_codes
from feedback.web.codes import CODE_SPACE_MISS_LIMITS, NETWORK_MISS_LIMITS
from tests.feedback.helpers import code_of, seed_two_desks
from tests.fixtures.databases import savepoint_sessionmaker
from tests.fixtures.feedback import csrf_token


@pytest.fixture
def app(settings, feedback_connection):
    """The feedback app with limit keys of its own, so the whole-space miss count starts at zero
    and what this test spends is not seen by any other."""
    from feedback.web.app import create_app

    own = settings.replace(task_queue_prefix=f"{settings.task_queue_prefix}{uuid.uuid4().hex[:8]}-")
    app = create_app(own, session_factory=savepoint_sessionmaker(feedback_connection))
    app.config.update(TESTING=True)
    return app


@pytest.fixture
def seeded(feedback_session, tmp_path):
    seed_two_desks(feedback_session, tmp_path)
    return feedback_session


def _unknown_codes(count: int) -> list[str]:
    """Well-formed short codes (the check digit holds) that no desk has, as a harvester types them."""
    return [short_codes.new_short_code() for _ in range(count)]


def _lookup(client, code: str, address: str):
    ip = {"REMOTE_ADDR": address}
    token = csrf_token(client.get("/e", environ_base=ip).text)
    return client.post("/e", data={"code": code, "csrf_token": token}, environ_base=ip)


def test_addresses_rotated_within_one_ipv6_64_share_one_limit(app, seeded):
    client = app.test_client()
    real = code_of(seeded, "E000001").short_code
    network = f"2001:db8:{uuid.uuid4().int % 65536:x}:7"
    statuses = [
        _lookup(client, code, f"{network}::{n + 1:x}").status_code for n, code in enumerate(_unknown_codes(3))
    ]
    assert statuses == [404, 404, 404]
    # the fourth address of the /64 waits, even with a real code: the answer says nothing of it
    refused = _lookup(client, real, f"{network}::ffff")
    assert refused.status_code == 429 and 0 < int(refused.headers["Retry-After"]) <= 60
    # the next /64 is another subscriber: it is not held up
    assert _lookup(client, real, f"2001:db8:{uuid.uuid4().int % 65536:x}:8::1").status_code == 303


def test_a_configured_ipv4_prefix_groups_a_pool(settings, feedback_connection, seeded):
    from feedback.web.app import create_app

    own = settings.replace(
        task_queue_prefix=f"{settings.task_queue_prefix}{uuid.uuid4().hex[:8]}-", client_ipv4_prefix=24
    )
    client = create_app(own, session_factory=savepoint_sessionmaker(feedback_connection)).test_client()
    pool = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    for n, code in enumerate(_unknown_codes(3)):
        assert _lookup(client, code, f"{pool}.{n + 1}").status_code == 404
    assert _lookup(client, _unknown_codes(1)[0], f"{pool}.200").status_code == 429


def test_the_wait_grows_with_the_misses():
    """The network's miss limits, run on a clock of the test's own: a harvester that misses as soon
    as it is let waits under a minute after 3 misses, and up to a day after 20."""
    limiter = RateLimiter(None, "test:")
    checks = [("code-miss:net", NETWORK_MISS_LIMITS)]
    now, wait_after = 0.0, {}
    for misses in range(21):
        refused = limiter.hit(checks, now=now, record=False)
        while refused is not None:  # one limit's wait may end inside a longer one's
            wait_after[misses] = wait_after.get(misses, 0) + refused.retry_after
            now += refused.retry_after + 0.001
            refused = limiter.hit(checks, now=now, record=False)
        assert limiter.hit(checks, now=now) is None
        now += 1
    assert sorted(wait_after) == [3, 6, 9, 10, 13, 16, 19, 20]
    assert wait_after[3] <= 60 < wait_after[6] <= 600 < wait_after[10] <= 3600 < wait_after[20] <= 24 * 3600


def test_misses_of_every_network_together_are_capped(app, seeded):
    client = app.test_client()
    limiter: RateLimiter = app.extensions["survey_rate_limiter"]
    allowed = CODE_SPACE_MISS_LIMITS[0].allowed
    for _ in range(allowed):  # the misses of many networks within the minute
        assert limiter.hit([("code-miss:space", CODE_SPACE_MISS_LIMITS)]) is None
    real = code_of(seeded, "E000001").short_code
    assert _lookup(client, real, f"2001:db8:{uuid.uuid4().int % 65536:x}::1").status_code == 429


def test_a_desk_reached_by_short_code_shows_no_more_than_the_desk_needs(app, seeded):
    client = app.test_client()
    code = code_of(seeded, "E000001")
    found = _lookup(client, code.short_code, f"2001:db8:{uuid.uuid4().int % 65536:x}::1")
    assert found.status_code == 303
    page = client.get(found.headers["Location"]).text
    assert "ز. کریمی" in page and "اداره کل فناوری" in page  # the initial, the family name, the unit
    assert "زهرا" not in page and "کارشناس ارشد" not in page  # no first name, no position
    assert code.employee.national_code not in page
