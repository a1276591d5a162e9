"""The outbox sender against a local stand-in for the Bot API: order, retries with backoff, refusals,
and the whole path (webhook → outbox → real Celery worker on Redis → Bot API) once."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from sqlalchemy import select

from core.db import make_sessionmaker
from feedback.celery_names import TaskNames
from feedback.reports import outbox
from feedback.reports.models import BaleOutbox, BaleUpdate
from feedback.reports.schemas import OutboxStatus
from tests.feedback import bale_helpers as bh
from tests.fixtures.services import worker_process
from tests.waiting import wait_until

TOKEN = "1234567:test-token-never-logged"
BACKOFF = 0.3


@pytest.fixture(scope="module")
def bot_api():
    with bh.BotApiStandIn() as stand_in:
        yield stand_in


@pytest.fixture
def stand_in(bot_api):
    bot_api.calls.clear()
    bot_api.fail_next = 0
    bot_api.fail_status = 502
    return bot_api


@pytest.fixture(scope="module")
def bale_settings(settings, bot_api):
    # A queue of its own: the session's feedback worker (pointed at no stand-in) must not take these tasks.
    return settings.replace(
        bale_api_base=bot_api.url,
        bale_bot_token=TOKEN,
        bale_webhook_secret=bh.SECRET,
        bale_retry_base_seconds=BACKOFF,
        task_queue_prefix=settings.task_queue_prefix + "bale-",
    )


@pytest.fixture(scope="module")
def feedback_celery(bale_settings):
    from feedback.worker import create_celery

    return create_celery(bale_settings)


@pytest.fixture(scope="module")
def feedback_worker(bale_settings):
    """The feedback service's real worker (`govcloud feedback worker`) in its own process."""
    with worker_process(bale_settings, "feedback", "worker") as process:
        yield process


def queue_rows(session, *texts: str, chat: int = 77) -> list[int]:
    rows = [
        BaleOutbox(
            chat_id=chat,
            method="sendMessage",
            payload={"chat_id": chat, "text": t},
            status="pending",
            attempts=0,
        )
        for t in texts
    ]
    session.add_all(rows)
    session.commit()
    return [r.id for r in rows]


def test_rows_are_sent_in_order_to_the_bot_api_and_never_twice(feedback_session, stand_in):
    ids = queue_rows(feedback_session, "یک", "دو", "سه")
    api = outbox.BotApi(stand_in.url, TOKEN)
    result = outbox.deliver(feedback_session, ids, api)
    assert (result.sent, result.failed, result.retry) == (3, 0, False)
    assert [c["body"]["text"] for c in stand_in.calls] == ["یک", "دو", "سه"]
    assert {c["path"] for c in stand_in.calls} == {f"/bot{TOKEN}/sendMessage"}
    assert outbox.deliver(feedback_session, ids, api).sent == 0  # already sent: nothing goes twice
    assert len(stand_in.calls) == 3
    statuses = feedback_session.scalars(select(BaleOutbox.status).where(BaleOutbox.id.in_(ids))).all()
    assert statuses == ["sent"] * 3


def test_a_transient_failure_stops_the_batch_so_the_chat_keeps_its_order(feedback_session, stand_in):
    ids = queue_rows(feedback_session, "اول", "دوم")
    stand_in.fail_next = 1
    result = outbox.deliver(feedback_session, ids, outbox.BotApi(stand_in.url, TOKEN))
    assert result.retry and result.sent == 0
    assert len(stand_in.calls) == 1  # "دوم" was not sent before "اول"
    first = feedback_session.get(BaleOutbox, ids[0])
    assert (first.status, first.attempts, first.last_error) == ("pending", 1, "HTTP 502")
    assert outbox.deliver(feedback_session, ids, outbox.BotApi(stand_in.url, TOKEN)).sent == 2


def test_a_refusal_is_not_retried_and_the_token_never_lands_in_the_row(feedback_session, stand_in):
    ids = queue_rows(feedback_session, "پیام")
    stand_in.fail_next, stand_in.fail_status = 1, 403
    result = outbox.deliver(feedback_session, ids, outbox.BotApi(stand_in.url, TOKEN))
    assert (result.sent, result.failed, result.retry) == (0, 1, False)
    row = feedback_session.get(BaleOutbox, ids[0])
    assert row.status == OutboxStatus.failed and "403" in row.last_error


def test_an_unreachable_api_is_transient_and_the_error_hides_the_token(feedback_session):
    ids = queue_rows(feedback_session, "پیام")
    result = outbox.deliver(feedback_session, ids, outbox.BotApi("http://127.0.0.1:9", TOKEN))
    assert result.retry
    row = feedback_session.get(BaleOutbox, ids[0])
    assert row.status == "pending" and row.last_error and TOKEN not in row.last_error
    assert "<token>" in row.last_error  # requests quoted the URL; we scrubbed it
    outbox.give_up(feedback_session, ids, "gave up")
    assert feedback_session.get(BaleOutbox, ids[0]).status == "failed"


def test_backoff_doubles_and_is_capped():
    assert [outbox.backoff_seconds(n, 2.0) for n in range(4)] == [2.0, 4.0, 8.0, 16.0]
    assert outbox.backoff_seconds(30, 2.0) == outbox.BACKOFF_CAP_SECONDS


def test_a_webhook_update_is_answered_through_a_real_worker_with_retries_and_backoff(
    bale_settings, committed_feedback, feedback_worker, stand_in
):
    from feedback.web.app import create_app

    app = create_app(bale_settings)
    client = app.test_client()
    stand_in.fail_next = 2  # Bale is down for the first two calls
    update = bh.text(9090, "/start")
    response = client.post(f"/bale/webhook/{bh.SECRET}", json=update)
    assert response.status_code == 200

    calls = stand_in.wait_for(4)  # two failures, then the welcome and the agency question
    gaps = [b["at"] - a["at"] for a, b in itertools.pairwise(calls[:3])]
    assert gaps[0] >= BACKOFF * 0.9 and gaps[1] >= 2 * BACKOFF * 0.9  # exponential backoff
    assert calls[0]["body"] == calls[1]["body"] == calls[2]["body"]  # the same message, retried
    assert [c["body"]["chat_id"] for c in calls] == [9090] * 4
    assert "سلام" in calls[2]["body"]["text"] and "keyboard" in calls[3]["body"]["reply_markup"]

    session = make_sessionmaker(committed_feedback)()

    def all_sent() -> list[BaleOutbox] | None:
        session.rollback()
        rows = session.scalars(select(BaleOutbox).order_by(BaleOutbox.id)).all()
        return rows if all(r.status == "sent" for r in rows) else None

    rows = wait_until(all_sent, timeout=10, what="every outbox row sent")
    assert [(r.status, r.attempts) for r in rows] == [("sent", 3), ("sent", 1)]
    assert session.get(BaleUpdate, update["update_id"]) is not None
    session.close()


def test_a_broken_broker_does_not_fail_the_webhook_and_the_sweeper_sends_later(
    bale_settings, committed_feedback, feedback_celery, feedback_worker, stand_in
):
    from feedback.web.app import create_app

    app = create_app(bale_settings.replace(broker_url="redis://127.0.0.1:9/0"))
    update = bh.text(9191, "/start")
    assert app.test_client().post(f"/bale/webhook/{bh.SECRET}", json=update).status_code == 200
    session = make_sessionmaker(committed_feedback)()
    rows = session.scalars(select(BaleOutbox).where(BaleOutbox.update_id == update["update_id"])).all()
    assert len(rows) == 2 and {r.status for r in rows} == {"pending"}  # stored, not yet sent
    # Ten minutes later the sweeper finds them.
    for row in rows:
        row.created_at = row.created_at - dt.timedelta(minutes=10)
    session.commit()
    feedback_celery.send_task(TaskNames.SWEEP_BALE_OUTBOX, queue=feedback_celery.conf.task_default_queue)
    calls = stand_in.wait_for(2)
    assert [c["body"]["chat_id"] for c in calls] == [9191, 9191]
    session.close()
