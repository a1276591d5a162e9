"""An alert acknowledged from Bale: the button under the alert's message (as the local Bot API
stand-in received it) comes back to the webhook as a callback, and the alerts page shows it."""

from __future__ import annotations

from sqlalchemy import select

from core.actors import SYSTEM
from feedback.accounts.services import set_bale_chat
from feedback.dashboards.alerts import evaluate_alerts, notify_alerts
from feedback.dashboards.models import Alert
from feedback.reports import outbox
from feedback.reports.models import BaleOutbox
from tests.feedback import bale_helpers as bh
from tests.feedback.agency_helpers import seed_hierarchy
from tests.feedback.dashboard_helpers import viewer_client
from tests.fixtures.feedback import csrf_token

TOKEN = "7654321:ack-token"
CHAT, STRANGER = 626262, 737373


def _delivered(session, ids: list[int]) -> list[dict]:
    with bh.BotApiStandIn() as stand_in:
        assert outbox.deliver(session, ids, outbox.BotApi(stand_in.url, TOKEN)).sent == len(ids)
        return [call["body"] for call in stand_in.calls]


def _queued_for(session, update: dict) -> list[int]:
    return list(
        session.scalars(
            select(BaleOutbox.id).where(BaleOutbox.update_id == update["update_id"]).order_by(BaleOutbox.id)
        )
    )


def _raised(app, session, tmp_path, scope: str, rule: tuple[str, str, str]):
    """A `scope` account with its Bale chat, subscribed to `rule` (kind, threshold, window) on the
    alerts page, and the one alert the evaluation raises for it."""
    seed_hierarchy(session, tmp_path)
    client = viewer_client(app, session, scope)
    set_bale_chat(session, SYSTEM, client.account.email, CHAT)
    kind, threshold, window = rule
    page = client.get("/dashboard/alerts").get_data(as_text=True)
    client.post(
        "/dashboard/alerts",
        data={"csrf_token": csrf_token(page), "kind": kind, "threshold": threshold, "window_days": window},
    )
    assert evaluate_alerts(session, SYSTEM, 5) == 1
    return client, session.scalar(select(Alert))


def test_an_alert_is_acknowledged_with_the_button_of_its_bale_message(
    bale_app, bot, feedback_session, tmp_path
):
    nation, alert = _raised(bale_app, feedback_session, tmp_path, "nation", ("low_score", "60", "7"))
    sent = _delivered(feedback_session, notify_alerts(feedback_session, SYSTEM, "", "x@y.ir", "https://f.ir"))
    button = sent[0]["reply_markup"]["inline_keyboard"][0][0]
    assert sent[0]["chat_id"] == CHAT and button["text"] == "تأیید دریافت"
    assert f"شمارهٔ هشدار: {alert.id}" in sent[0]["text"]

    stranger = bh.callback(STRANGER, button["callback_data"])  # another chat presses a forwarded button
    bot(stranger)
    assert "پیدا نشد" in _delivered(feedback_session, _queued_for(feedback_session, stranger))[1]["text"]
    feedback_session.expire_all()
    assert feedback_session.get(Alert, alert.id).acknowledged_at is None

    pressed = bh.callback(CHAT, button["callback_data"])
    bot(pressed)
    replies = _delivered(feedback_session, _queued_for(feedback_session, pressed))
    assert "callback_query_id" in replies[0] and "ثبت شد" in replies[1]["text"]
    feedback_session.expire_all()
    acknowledged = feedback_session.get(Alert, alert.id)
    assert (acknowledged.acknowledged_by, acknowledged.acknowledged_via) == (nation.account.email, "bale")
    again = bh.text(CHAT, f"/ack {alert.id} دوباره")
    bot(again)
    assert "پیش‌تر ثبت شده" in _delivered(feedback_session, _queued_for(feedback_session, again))[0]["text"]

    row = nation.get("/dashboard/alerts").get_data(as_text=True).split(f'data-alert="{alert.id}"')[1]
    assert 'data-via="bale"' in row.split("</tr>")[0] and "(در بله)" in row and "تأیید دریافت در بله" in row


def test_an_alert_is_acknowledged_with_a_note_by_the_ack_command(bale_app, bot, feedback_session, tmp_path):
    _province, alert = _raised(
        bale_app, feedback_session, tmp_path, "province:IR-00", ("low_responses", "5", "1")
    )
    calls = bot(bh.text(CHAT, "/ack"))
    assert "/ack" in calls[0]["text"]  # how to use it
    calls = bot(bh.text(CHAT, f"/ack {alert.id} با ادارهٔ کل استان تماس گرفته شد"))
    assert "ثبت شد" in calls[0]["text"]
    feedback_session.expire_all()
    assert feedback_session.get(Alert, alert.id).note == "با ادارهٔ کل استان تماس گرفته شد"
