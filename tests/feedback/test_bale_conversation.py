"""The whole bot conversation, driven by Bale update JSON posted to the webhook of the real app."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from feedback.reports import messages as say
from feedback.reports.models import BaleConversation, BaleOutbox, BaleUpdate, MissingCodeReport
from tests.feedback import bale_helpers as bh

CHAT = 424242


def texts(calls: list[dict]) -> str:
    return "\n".join(c.get("text", "") for c in calls if c["method"] == "sendMessage")


def keyboard_labels(call: dict) -> list[str]:
    markup = call.get("reply_markup", {})
    rows = markup.get("keyboard") or markup.get("inline_keyboard") or []
    return [button["text"] for row in rows for button in row]


def walk_to_attachment(bot, chat: int) -> None:
    bot(bh.text(chat, "/start"))
    bot(bh.text(chat, "سازمان تأمين اجتماعي"))  # Arabic ي: matched after normalization
    bot(bh.text(chat, "تهران"))
    bot(bh.text(chat, "شعبه ۱۲ تأمین اجتماعی"))
    bot(bh.text(chat, "شهرستان ری، خیابان فدائیان اسلام، پلاک ۵"))
    bot(bh.text(chat, say.SKIP_BUTTON))


def test_a_full_conversation_files_a_report_and_answers_with_its_tracking_number(bot, feedback_session):
    start = bot(bh.text(CHAT, "/start"))
    assert say.WELCOME in texts(start)
    agency_keyboard = keyboard_labels(start[-1])
    assert "سازمان تأمین اجتماعی" in agency_keyboard and say.CANCEL_BUTTON in agency_keyboard

    province = bot(bh.text(CHAT, "سازمان تامین اجتماعی"))
    assert "کدام استان" in texts(province)
    assert "تهران" in keyboard_labels(province[-1])
    assert "کد" not in texts(bot(bh.text(CHAT, "تهران")))  # asks for the office
    assert say.ASK_ADDRESS in texts(bot(bh.text(CHAT, "شعبه ۱۲ تأمین اجتماعی")))
    assert say.ASK_EMPLOYEE in texts(bot(bh.text(CHAT, "ری، خیابان فدائیان اسلام، پلاک ۵")))
    attachment = bot(bh.text(CHAT, "علی رضایی"))
    assert say.ASK_ATTACHMENT in texts(attachment)
    location_button = attachment[-1]["reply_markup"]["keyboard"][1][0]
    assert location_button == {"text": say.LOCATION_BUTTON, "request_location": True}

    assert say.ATTACHMENT_RECEIVED in texts(bot(bh.location(CHAT, 35.6, 51.43)))
    assert say.ATTACHMENT_RECEIVED in texts(bot(bh.photo(CHAT, "AgADphoto")))
    summary = bot(bh.text(CHAT, say.CONTINUE_BUTTON))
    assert "علی رضایی" in texts(summary) and "شهرستان ری" in texts(summary)
    assert keyboard_labels(summary[-1]) == [say.CONFIRM_BUTTON, say.CANCEL_BUTTON]

    done = bot(bh.callback(CHAT, "confirm"))
    assert done[0]["method"] == "answerCallbackQuery"
    report = feedback_session.scalar(
        select(MissingCodeReport).where(MissingCodeReport.reporter_chat_id == CHAT)
    )
    assert report.tracking_number.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")) in texts(done)
    assert f"http://feedback.test/report-missing-code/{report.tracking_number}" in texts(done)
    assert done[-1]["reply_markup"] == {"remove_keyboard": True}
    assert (report.agency_code, report.province_code, report.channel, report.status) == (
        "SSO",
        "IR-23",
        "bale",
        "open",
    )
    assert report.county_code == "2303"  # "ری" was found in the address
    assert (report.latitude, report.longitude, report.photo_file_id) == (35.6, 51.43, "AgADphoto")
    assert report.employee_name == "علی رضایی"
    assert feedback_session.get(BaleConversation, CHAT) is None  # the conversation is over
    double_tap = bot(bh.callback(CHAT, "confirm"))
    assert [c["method"] for c in double_tap] == ["answerCallbackQuery"]  # nothing said, nothing filed twice
    assert len(feedback_session.scalars(select(MissingCodeReport)).all()) == 1


def test_a_duplicate_update_id_is_answered_once(bot, feedback_session):
    update = bh.text(CHAT + 1, "/start")
    first = bot(update)
    again = bot(update)
    assert first and again == first  # the same rows: nothing new was queued
    count = feedback_session.scalars(
        select(BaleOutbox).where(BaleOutbox.update_id == update["update_id"])
    ).all()
    assert len(count) == len(first)
    assert feedback_session.get(BaleUpdate, update["update_id"]) is not None


def test_a_citizen_who_comes_back_continues_where_they_left_off(bot, bale_app, feedback_session):
    chat = CHAT + 2
    bot(bh.text(chat, "/start"))
    bot(bh.text(chat, "وزارت نیرو"))
    # Hours later, from another app process: the state lives in the database.
    feedback_session.execute(
        update(BaleConversation)
        .where(BaleConversation.chat_id == chat)
        .values(updated_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=5))
    )
    feedback_session.commit()
    resumed = bot(bh.text(chat, "اصفهان"))
    assert say.ASK_OFFICE in texts(resumed)
    state = feedback_session.get(BaleConversation, chat)
    assert state.step == "office" and state.answers["agency_code"] == "MOEN"


def test_a_conversation_left_for_more_than_a_day_restarts_politely(bot, feedback_session):
    chat = CHAT + 3
    bot(bh.text(chat, "/start"))
    bot(bh.text(chat, "وزارت نیرو"))
    feedback_session.execute(
        update(BaleConversation)
        .where(BaleConversation.chat_id == chat)
        .values(updated_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=1, minutes=1))
    )
    feedback_session.commit()
    restarted = bot(bh.text(chat, "اصفهان"))
    assert say.STALE_RESTART in texts(restarted) and say.ASK_AGENCY in texts(restarted)
    state = feedback_session.get(BaleConversation, chat)
    assert state.step == "agency" and state.answers == {}


@pytest.mark.parametrize(
    "cancel", [bh.text(0, "/cancel"), bh.text(0, say.CANCEL_BUTTON), bh.callback(0, "cancel")], ids=str
)
def test_cancel_ends_the_conversation_and_files_nothing(bot, feedback_session, cancel):
    chat = CHAT + 4
    walk_to_attachment(bot, chat)
    # Re-address the prepared update to this chat.
    body = cancel.get("message") or cancel["callback_query"]["message"]
    body["chat"]["id"] = chat
    cancelled = bot(cancel)
    assert say.CANCELLED in texts(cancelled)
    assert feedback_session.get(BaleConversation, chat) is None
    assert (
        feedback_session.scalar(select(MissingCodeReport).where(MissingCodeReport.reporter_chat_id == chat))
        is None
    )
    assert say.NOTHING_TO_CANCEL in texts(bot(bh.text(chat, "/cancel")))


def test_start_restarts_a_conversation_in_the_middle(bot, feedback_session):
    chat = CHAT + 5
    walk_to_attachment(bot, chat)
    restarted = bot(bh.text(chat, "/start"))
    assert say.ASK_AGENCY in texts(restarted)
    state = feedback_session.get(BaleConversation, chat)
    assert state.step == "agency" and state.answers == {}


def test_an_unknown_agency_is_asked_again_with_the_keyboard(bot, feedback_session):
    chat = CHAT + 6
    bot(bh.text(chat, "/start"))
    unknown = bot(bh.text(chat, "اداره کل جادوگری"))
    assert "اداره کل جادوگری" in texts(unknown) and "پیدا نشد" in texts(unknown)
    assert say.CANCEL_BUTTON in keyboard_labels(unknown[-1])
    assert feedback_session.get(BaleConversation, chat).step == "agency"
    ambiguous = bot(bh.text(chat, "وزارت"))  # every ministry: pick one
    assert say.AGENCY_AMBIGUOUS in texts(ambiguous)
    assert all(label.startswith("وزارت") for label in keyboard_labels(ambiguous[-1])[:-1])
    assert "کدام استان" in texts(bot(bh.text(chat, "INTA")))  # a code works too


def test_an_unknown_province_and_a_missing_text_are_asked_again(bot, feedback_session):
    chat = CHAT + 7
    bot(bh.text(chat, "/start"))
    bot(bh.text(chat, "وزارت نیرو"))
    assert "پیدا نشد" in texts(bot(bh.text(chat, "آتلانتیس")))
    assert say.NEED_TEXT in texts(bot(bh.photo(chat, "early-photo")))
    assert feedback_session.get(BaleConversation, chat).step == "province"
    assert say.ASK_OFFICE in texts(bot(bh.text(chat, "استان فارس")))


def test_a_wrong_secret_is_not_found_and_touches_nothing(bale_app, feedback_session):
    client = bale_app.test_client()
    update = bh.text(CHAT + 8, "/start")
    assert client.post("/bale/webhook/wrong", json=update).status_code == 404
    assert client.post(f"/bale/webhook/{bh.SECRET}x", json=update).status_code == 404
    assert feedback_session.get(BaleUpdate, update["update_id"]) is None


def test_the_secret_in_bales_header_takes_the_update_without_a_secret_in_the_url(bale_app, feedback_session):
    """setWebhook's `secret_token` comes back in X-Telegram-Bot-Api-Secret-Token: the URL carries no
    secret, so no access log on the way can hold it (issue 22)."""
    from feedback.web.bale import SECRET_HEADER

    client = bale_app.test_client()
    update = bh.text(CHAT + 10, "/start")
    for headers in (
        {},
        {SECRET_HEADER: ""},
        {SECRET_HEADER: bh.SECRET + "x"},
        {SECRET_HEADER: bh.SECRET[:-1]},
    ):
        assert client.post("/bale/webhook", json=update, headers=headers).status_code == 404, headers
    assert feedback_session.get(BaleUpdate, update["update_id"]) is None

    taken = client.post("/bale/webhook", json=update, headers={SECRET_HEADER: bh.SECRET})
    assert taken.status_code == 200 and taken.json == {"ok": True}
    feedback_session.expire_all()
    assert feedback_session.get(BaleUpdate, update["update_id"]) is not None
    queued = feedback_session.scalars(select(BaleOutbox).where(BaleOutbox.update_id == update["update_id"]))
    assert {row.method for row in queued} == {"sendMessage"}  # the greeting, as through the path form


def test_the_webhook_is_off_when_no_secret_is_configured(feedback_client):
    assert feedback_client.post("/bale/webhook/", json={}).status_code == 404
    assert feedback_client.post("/bale/webhook/anything", json=bh.text(1, "/start")).status_code == 404
    headers = {"X-Telegram-Bot-Api-Secret-Token": ""}
    assert (
        feedback_client.post("/bale/webhook", json=bh.text(1, "/start"), headers=headers).status_code == 404
    )


def test_a_body_that_is_not_an_update_is_acknowledged_and_ignored(bale_app, feedback_session):
    client = bale_app.test_client()
    assert client.post(f"/bale/webhook/{bh.SECRET}", data="not json").status_code == 200
    assert client.post(f"/bale/webhook/{bh.SECRET}", json={"update_id": "x"}).status_code == 200
    assert feedback_session.scalar(select(BaleOutbox)) is None


def test_an_oversized_body_is_refused_before_it_is_read(bale_app, feedback_session):
    client = bale_app.test_client()
    huge = bh.text(CHAT + 9, "x" * 300_000)
    assert client.post(f"/bale/webhook/{bh.SECRET}", json=huge).status_code == 413
    assert feedback_session.get(BaleUpdate, huge["update_id"]) is None
