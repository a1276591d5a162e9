"""A survey that cannot be stuffed (issue 22): the device id is issued and signed by the service (a
client-chosen value never counts), addresses rotated within one network count as one, the flag
rules are decided under a lock, so answers sent at once cannot pass them together, a form is valid
on the day it was opened only, and with the limits' store down answers are kept for review."""

from __future__ import annotations

import datetime as dt
import threading
import uuid

import pytest
from sqlalchemy import func, select

from core.dates import TEHRAN
from core.db import make_sessionmaker
from feedback.codes.models import EmployeeCode
from feedback.survey import queries
from feedback.survey.integrity import (
    DEVICE_THRESHOLD,
    EMPLOYEE_IP_THRESHOLD,
    LIMITS_UNAVAILABLE,
    TokenError,
    issue_form_token,
    keyed_hash,
    new_device_id,
    read_form_token,
)
from feedback.survey.models import Response
from feedback.survey.services import submit_response
from feedback.web.survey.checks import DEVICE_LIMITS
from feedback.web.survey.routes import SCAN_LIMITS
from tests.feedback.survey_helpers import ANSWERS, open_and_answer, seed_survey, submission
from tests.fixtures.feedback import fresh_address


def _statuses(session_factory) -> dict[str, int]:
    with session_factory() as session:
        rows = session.execute(select(Response.status, func.count()).group_by(Response.status))
        return dict(rows.all())


def _at_once(session_factory, submissions) -> None:
    """Every submission in a thread of its own, released together by a barrier, each on its own
    connection (the app's path: one autocommitted `feedback_submit_locked`)."""
    barrier = threading.Barrier(len(submissions))
    errors: list[BaseException] = []

    def send(one) -> None:
        with session_factory() as session:
            barrier.wait()
            try:
                submit_response(session, one)
            except BaseException as exc:  # reported below, with the counts
                errors.append(exc)

    threads = [threading.Thread(target=send, args=(one,)) for one in submissions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []


def test_answers_from_one_network_sent_at_once_count_at_most_the_threshold(committed_feedback, tmp_path):
    factory = make_sessionmaker(committed_feedback)
    with factory() as session:
        seed_survey(session, tmp_path, 1)
        code = session.scalar(select(EmployeeCode))
        burst = [submission(code, device=f"phone{n}", ip="one-network") for n in range(12)]
    _at_once(factory, burst)
    statuses = _statuses(factory)
    assert statuses.get("counted", 0) <= EMPLOYEE_IP_THRESHOLD
    assert statuses == {"counted": EMPLOYEE_IP_THRESHOLD, "flagged": 12 - EMPLOYEE_IP_THRESHOLD}


def test_one_device_answering_many_desks_at_once_is_flagged_as_in_sequence(committed_feedback, tmp_path):
    factory = make_sessionmaker(committed_feedback)
    with factory() as session:
        seed_survey(session, tmp_path, 10)
        codes = list(session.scalars(select(EmployeeCode).order_by(EmployeeCode.id)))
        spree = [submission(code, device="one-phone", ip=f"net{n}") for n, code in enumerate(codes)]
    _at_once(factory, spree)
    assert _statuses(factory) == {"counted": DEVICE_THRESHOLD - 1, "flagged": 10 - DEVICE_THRESHOLD + 1}


def test_rotated_device_cookies_and_addresses_within_one_64_are_limited(
    settings, committed_feedback, tmp_path
):
    """Each answer from a new address of one IPv6 /64 with a fresh device id (the page issues one to
    a phone without a cookie): the burst rule sees one network, so no more than the threshold count."""
    from feedback.web.app import create_app

    factory = make_sessionmaker(committed_feedback)
    with factory() as session:
        [token] = seed_survey(session, tmp_path, 1)
    app = create_app(settings)
    assert app.extensions["survey_fast_path"].enabled
    network = f"2001:db8:{uuid.uuid4().int % 65536:x}:{uuid.uuid4().int % 65536:x}"
    for n in range(EMPLOYEE_IP_THRESHOLD + 4):
        phone = app.test_client()
        phone.environ_base["REMOTE_ADDR"] = f"{network}:{n + 1:x}::1"
        assert open_and_answer(phone, token).status_code == 200
    assert _statuses(factory) == {"counted": EMPLOYEE_IP_THRESHOLD, "flagged": 4}


def test_a_client_chosen_device_id_never_counts_as_a_device(
    settings, feedback_app, feedback_session, tmp_path
):
    [token] = seed_survey(feedback_session, tmp_path, 1)
    code = feedback_session.scalar(select(EmployeeCode))
    phone = feedback_app.test_client()
    phone.environ_base["REMOTE_ADDR"] = "192.0.2.99"
    chosen = "my-own-device-id-0123456789"
    phone.set_cookie("fb_device", chosen)
    page = phone.get(f"/e/{token}")
    issued = phone.get_cookie("fb_device").value
    assert page.status_code == 200 and issued != chosen  # the page replaced it with one it signed
    # a form bound to the chosen value (as a script would make one) is refused
    phone.set_cookie("fb_device", chosen)
    bound = issue_form_token(
        settings.secret_key, code.employee_id, code.id, keyed_hash(settings.secret_key, "device", chosen)
    )
    refused = phone.post(f"/e/{token}", data={**ANSWERS, "form_token": bound})
    assert refused.status_code == 403
    assert feedback_session.scalar(select(func.count()).select_from(Response)) == 0


def _live_app(settings, committed_feedback, tmp_path, desks: int = 1):
    """The app on a committed database, so the fast path (which needs an engine) is on."""
    from feedback.web.app import create_app

    factory = make_sessionmaker(committed_feedback)
    with factory() as session:
        tokens = seed_survey(session, tmp_path, desks)
    app = create_app(settings)
    assert app.extensions["survey_fast_path"].enabled
    return app, factory, tokens


def _rows(factory) -> int:
    with factory() as session:
        return session.scalar(select(func.count()).select_from(Response))


def test_forged_and_rotated_device_cookies_do_not_escape_the_per_device_limit(
    settings, committed_feedback, tmp_path
):
    """A phone at its per-device limit swaps its cookie for one it made up, for its own id with the
    signature altered, and for an id signed with another key, each with a form bound to that value
    (as a script would make one): every post is refused, in the fast path as in the route, and
    nothing more is stored."""
    app, factory, [token] = _live_app(settings, committed_feedback, tmp_path)
    fast = app.extensions["survey_fast_path"]
    phone = app.test_client()
    phone.environ_base["REMOTE_ADDR"] = fresh_address()
    allowed = DEVICE_LIMITS[0].allowed
    for _ in range(allowed):
        assert open_and_answer(phone, token).status_code == 200
    assert fast.taken == allowed
    assert open_and_answer(phone, token).status_code == 429  # the device's limit, not the address's

    issued = phone.get_cookie("fb_device").value
    raw, _, signature = issued.partition(".")
    code = _code(factory)
    for cookie in (
        "my-own-device-id-0123456789",
        f"{raw}.{signature[:-1]}{'A' if signature[-1] != 'A' else 'B'}",
        new_device_id("another-secret-key-of-thirty-two-bytes"),
    ):
        phone.set_cookie("fb_device", cookie)
        bound = issue_form_token(
            settings.secret_key, code.employee_id, code.id, keyed_hash(settings.secret_key, "device", cookie)
        )
        refused = phone.post(f"/e/{token}", data={**ANSWERS, "form_token": bound})
        assert refused.status_code == 403, cookie
    assert fast.taken == allowed and _rows(factory) == allowed


def _code(factory) -> EmployeeCode:
    with factory() as session:
        code = session.scalar(select(EmployeeCode))
        assert code is not None
        session.expunge(code)
        return code


def test_a_form_is_valid_on_the_tehran_day_it_was_opened_and_an_hour_past_its_midnight(settings):
    secret, device = settings.secret_key, "d" * 64
    evening = dt.datetime(2026, 12, 7, 23, 30, tzinfo=TEHRAN)
    token = issue_form_token(secret, 7, 9, device, now=evening)
    for moment in (evening, evening + dt.timedelta(minutes=29), evening + dt.timedelta(minutes=89)):
        assert read_form_token(secret, token, device, now=moment).employee_id == 7
    for moment in (evening + dt.timedelta(minutes=90), evening + dt.timedelta(days=3)):
        with pytest.raises(TokenError, match="expired"):
            read_form_token(secret, token, device, now=moment)


def test_a_form_opened_yesterday_is_refused_today(settings, committed_feedback, tmp_path):
    """A stock of forms fetched ahead through a photographed code (each page bound to its own
    device) is void the next day: refused with the "open the form again" page, nothing stored; the
    same phone opening the page today answers."""
    app, factory, [token] = _live_app(settings, committed_feedback, tmp_path)
    phone = app.test_client()
    phone.environ_base["REMOTE_ADDR"] = fresh_address()
    assert phone.get(f"/e/{token}").status_code == 200
    cookie = phone.get_cookie("fb_device").value
    code = _code(factory)
    yesterday = dt.datetime.now(dt.UTC) - dt.timedelta(days=1, hours=2)
    stale = issue_form_token(
        settings.secret_key,
        code.employee_id,
        code.id,
        keyed_hash(settings.secret_key, "device", cookie),
        now=yesterday,
    )
    refused = phone.post(f"/e/{token}", data={**ANSWERS, "form_token": stale})
    assert refused.status_code == 403 and f"/e/{token}" in refused.text
    assert _rows(factory) == 0
    assert open_and_answer(phone, token).status_code == 200
    assert _rows(factory) == 1


def test_with_the_limits_store_killed_every_answer_is_kept_and_listed_for_review(
    settings, committed_feedback, private_redis, tmp_path
):
    """A redis-server of the test's own holds the survey's limits; killed mid-survey, the phones that
    answer are thanked, their answers stored, flagged `limits_unavailable` (not counted), and listed
    in the registry admins' flagged queue; once it is back, answers count again."""
    from feedback.web.app import create_app

    factory = make_sessionmaker(committed_feedback)
    with factory() as session:
        [token] = seed_survey(session, tmp_path, 1)
    app = create_app(settings.replace(redis_url=private_redis.url(0)))

    def phone():
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = fresh_address()
        return client

    assert open_and_answer(phone(), token).status_code == 200
    private_redis.kill()
    during = [open_and_answer(phone(), token) for _ in range(3)]
    assert [page.status_code for page in during] == [200, 200, 200]
    assert all("سپاسگزاریم" in page.text for page in during)
    private_redis.start()
    assert open_and_answer(phone(), token).status_code == 200

    with factory() as session:
        rows = session.execute(select(Response.status, Response.flag_rule).order_by(Response.id)).all()
        assert [tuple(row) for row in rows] == [
            ("counted", None),
            *[("flagged", LIMITS_UNAVAILABLE)] * 3,
            ("counted", None),
        ]
        queue = queries.list_flagged(session)
        assert [response.flag_rule for response, _employee in queue] == [LIMITS_UNAVAILABLE] * 3
        assert queries.count_flagged(session) == 3


def test_fresh_device_ids_cost_a_page_load_each_limited_per_network(feedback_app, feedback_session, tmp_path):
    """Rotating to genuine device ids means opening the page without a cookie each time: per /64,
    past the page's limit no more ids are issued, whichever address of it asks."""
    [token] = seed_survey(feedback_session, tmp_path, 1)
    network = f"2001:db8:{uuid.uuid4().int % 65536:x}:{uuid.uuid4().int % 65536:x}"
    issued = set()
    for n in range(SCAN_LIMITS[0].allowed):
        phone = feedback_app.test_client()
        phone.environ_base["REMOTE_ADDR"] = f"{network}:{n + 1:x}::1"
        assert phone.get(f"/e/{token}").status_code == 200
        issued.add(phone.get_cookie("fb_device").value)
    assert len(issued) == SCAN_LIMITS[0].allowed
    phone = feedback_app.test_client()
    phone.environ_base["REMOTE_ADDR"] = f"{network}:ffff::1"
    refused = phone.get(f"/e/{token}")
    assert refused.status_code == 429 and phone.get_cookie("fb_device") is None
    other = feedback_app.test_client()
    other.environ_base["REMOTE_ADDR"] = f"2001:db8:{uuid.uuid4().int % 65536:x}:1::1"
    assert other.get(f"/e/{token}").status_code == 200  # another subscriber is not held up
