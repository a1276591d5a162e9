"""The Bale webhook's use case: store the update, advance the chat's conversation, queue the replies.

One transaction: the update row (its update_id makes a redelivery a no-op), the conversation state,
a finished report, and the outbox rows of the replies are committed together, so a crash never
answers without recording or records without answering. Sending is a task's job, after the commit.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.dates import format_jalali, to_persian_digits
from core.db import affected_rows, utcnow
from feedback.dashboards.alerts import ACK_CALLBACK, ALREADY, UNKNOWN, acknowledge_from_bale
from feedback.reports import bale, conversation, lookup, queries
from feedback.reports import messages as say
from feedback.reports.models import BaleConversation, BaleOutbox, BaleUpdate
from feedback.reports.schemas import Channel, OutboxStatus, Step
from feedback.reports.services import ReportDraft, add_report, status_details
from feedback.reports.tracking import normalize_tracking_number

log = logging.getLogger(__name__)


def handle_bale_update(
    session: Session, update: dict[str, Any], status_url_base: str, now: dt.datetime | None = None
) -> list[int]:
    """Returns the ids of the outbox rows to send, in order (none for a duplicate or an update we
    do not handle)."""
    now = now or utcnow()
    incoming = bale.parse_update(update)
    if incoming is None:
        log.info("bale: ignored a body that is not an update")
        return []
    if session.get(BaleUpdate, incoming.update_id) is not None:
        return []
    try:
        session.add(
            BaleUpdate(
                update_id=incoming.update_id, chat_id=incoming.chat_id, payload=update, received_at=now
            )
        )
        session.flush()
    except IntegrityError:  # the same update delivered twice at once: the other request answers it
        session.rollback()
        return []
    if incoming.chat_id is None:
        session.commit()
        return []
    row = session.scalar(
        select(BaleConversation).where(BaleConversation.chat_id == incoming.chat_id).with_for_update()
    )
    state = None
    if row is not None:
        state = conversation.State(Step(row.step), dict(row.answers), _aware(row.updated_at))

    def common() -> list:
        return lookup.common_agencies(queries.count_reports_by_agency(session))

    answered = _answer_command(session, incoming, state)
    if answered is not None:  # a status or an acknowledgement: the conversation stays where it was
        calls = answered
    else:
        outcome = conversation.advance(state, incoming, now, common)
        calls = list(outcome.calls)
        if outcome.submit is not None:
            calls.append(_filed(session, outcome.submit, incoming.chat_id, status_url_base))
        _save_state(session, row, incoming.chat_id, outcome.state, now)
    if incoming.callback_id:
        calls.insert(0, bale.answer_callback(incoming.callback_id))
    rows = [
        BaleOutbox(
            update_id=incoming.update_id,
            chat_id=incoming.chat_id,
            method=call.method,
            payload=call.payload,
            status=OutboxStatus.pending.value,
            attempts=0,
            created_at=now,
        )
        for call in calls
    ]
    session.add_all(rows)
    session.flush()
    ids = [r.id for r in rows]
    session.commit()
    return ids


def _filed(session: Session, answers: dict[str, Any], chat_id: int, status_url_base: str) -> bale.Call:
    """The confirmed report, added; the reply that gives its tracking number."""
    report = add_report(session, _draft(answers, chat_id))
    url = f"{status_url_base.rstrip('/')}/report-missing-code/{report.tracking_number}"
    return bale.send_message(
        chat_id,
        say.DONE.format(tracking=to_persian_digits(report.tracking_number), status_url=url),
        bale.REMOVE_KEYBOARD,
    )


def _answer_command(
    session: Session, incoming: bale.Incoming, state: conversation.State | None
) -> list[bale.Call] | None:
    """Answers outside the report conversation, or None to let it go on: `/status <number>` (or a
    tracking number sent on its own when no report is being written) tells a citizen where their
    report stands; an alert's button (`ack:<id>`) or `/ack <id> <note>` acknowledges an official's
    alert from the chat the alert was sent to."""
    chat = incoming.chat_id
    assert chat is not None
    data = incoming.callback_data or ""
    words = (incoming.text or "").split(maxsplit=2)
    if data.startswith(ACK_CALLBACK) or incoming.command == "/ack":
        raw = data[len(ACK_CALLBACK) :] if data else (words[1] if len(words) > 1 else "")
        alert_id = int(raw) if raw.isdigit() and len(raw) < 10 else None
        if alert_id is None:
            return [bale.send_message(chat, say.ACK_HOW)]
        note = say.ACK_NOTE if data or len(words) < 3 else words[2]
        done = acknowledge_from_bale(session, chat, alert_id, note)
        reply = {UNKNOWN: say.ACK_UNKNOWN, ALREADY: say.ACK_ALREADY}.get(done, say.ACK_DONE)
        return [bale.send_message(chat, reply.format(alert=to_persian_digits(alert_id)))]
    if incoming.command == "/status":
        return [_status_reply(session, chat, words[1] if len(words) > 1 else "")]
    idle = state is None or (state.step is Step.agency and not state.answers)
    if idle and incoming.text and not incoming.command and normalize_tracking_number(incoming.text):
        return [_status_reply(session, chat, incoming.text)]
    return None


def _status_reply(session: Session, chat: int, typed: str) -> bale.Call:
    if not typed.strip():
        return bale.send_message(chat, say.STATUS_HOW)
    number = normalize_tracking_number(typed)
    report = queries.get_report_by_tracking(session, number) if number else None
    if report is None:
        return bale.send_message(chat, say.STATUS_UNKNOWN.format(text=typed.strip()[:20]))
    text = say.STATUS_ANSWER.format(
        tracking=to_persian_digits(report.tracking_number),
        status=say.STATUS_NAMES[report.status],
        changed=format_jalali(report.status_changed_at),
    )
    return bale.send_message(chat, text + status_details(report))


UPDATE_RETENTION = dt.timedelta(days=30)
CONVERSATION_RETENTION = dt.timedelta(days=7)


def purge_bale_rows(session: Session, now: dt.datetime | None = None) -> dict[str, int]:
    """Citizens' messages are personal data: keep raw updates and finished outbox rows a month
    (long past any redelivery), abandoned conversations a week (a returner within it is told
    politely that we start over; after it they are simply welcomed)."""
    now = now or utcnow()
    counts = {
        "conversations": affected_rows(
            session.execute(
                delete(BaleConversation).where(BaleConversation.updated_at < now - CONVERSATION_RETENTION)
            )
        ),
        "outbox": affected_rows(
            session.execute(
                delete(BaleOutbox).where(
                    BaleOutbox.status != OutboxStatus.pending.value,
                    BaleOutbox.created_at < now - UPDATE_RETENTION,
                )
            )
        ),
        "updates": affected_rows(
            session.execute(delete(BaleUpdate).where(BaleUpdate.received_at < now - UPDATE_RETENTION))
        ),
    }
    session.commit()
    return counts


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _save_state(
    session: Session,
    row: BaleConversation | None,
    chat_id: int,
    state: conversation.State | None,
    now: dt.datetime,
) -> None:
    if state is None:
        if row is not None:
            session.delete(row)
        return
    if row is None:
        row = BaleConversation(chat_id=chat_id, created_at=now)
        session.add(row)
    row.step = state.step.value
    row.answers = state.answers
    row.updated_at = now


def _draft(answers: dict[str, Any], chat_id: int) -> ReportDraft:
    return ReportDraft(
        agency_code=answers["agency_code"],
        province_code=answers["province_code"],
        county_code=answers.get("county_code"),
        office_name=answers["office_name"],
        office_address=answers["office_address"],
        employee_name=answers.get("employee_name"),
        latitude=answers.get("latitude"),
        longitude=answers.get("longitude"),
        photo_file_id=answers.get("photo_file_id"),
        channel=Channel.bale,
        reporter_chat_id=chat_id,
    )
