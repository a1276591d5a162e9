"""A survey that cannot be stuffed (issue 22): the device id is issued and signed by the service (a
client-chosen value never counts), addresses rotated within one network count as one, and the flag
rules are decided under a lock, so answers sent at once cannot pass them together."""

from __future__ import annotations

import threading
import uuid

from sqlalchemy import func, select

from core.db import make_sessionmaker
from feedback.codes.models import EmployeeCode
from feedback.survey.integrity import (
    DEVICE_THRESHOLD,
    EMPLOYEE_IP_THRESHOLD,
    issue_form_token,
    keyed_hash,
)
from feedback.survey.models import Response
from feedback.survey.services import submit_response
from tests.feedback.survey_helpers import ANSWERS, open_and_answer, seed_survey, submission


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
