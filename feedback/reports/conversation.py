"""The report conversation as a pure state machine: (step, answers) + one incoming → replies.

No database here: `bot.handle_bale_update` loads the state, calls `advance`, and stores what it
returns, all in one transaction.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any

from core.reference import AgencyRecord
from feedback.reports import bale, lookup
from feedback.reports import messages as say
from feedback.reports.bale import Call, Incoming
from feedback.reports.schemas import (
    ADDRESS_MAX,
    CONVERSATION_TTL_SECONDS,
    EMPLOYEE_MAX,
    OFFICE_MAX,
    Step,
)


@dataclasses.dataclass
class State:
    step: Step
    answers: dict[str, Any]
    updated_at: dt.datetime | None = None


@dataclasses.dataclass
class Outcome:
    """The next state (None: the conversation is over), the calls to make, and a finished report's
    answers when the citizen confirmed."""

    state: State | None
    calls: list[Call]
    submit: dict[str, Any] | None = None


CommonAgencies = Callable[[], list[AgencyRecord]]


def advance(state: State | None, incoming: Incoming, now: dt.datetime, common: CommonAgencies) -> Outcome:
    chat = incoming.chat_id
    assert chat is not None
    text = incoming.text
    if incoming.command == "/cancel" or text == say.CANCEL_BUTTON or incoming.callback_data == "cancel":
        reply = say.CANCELLED if state is not None else say.NOTHING_TO_CANCEL
        return Outcome(None, [bale.send_message(chat, reply, bale.REMOVE_KEYBOARD)])
    if state is None and incoming.callback_data:
        return Outcome(None, [])  # a button of a finished conversation (a double tap on confirm)
    if incoming.command == "/start" or state is None:
        return _ask_agency(chat, common, say.WELCOME)
    if state.updated_at is not None and (now - state.updated_at).total_seconds() > CONVERSATION_TTL_SECONDS:
        return _ask_agency(chat, common, say.STALE_RESTART)
    handler = _HANDLERS[state.step]
    return handler(state, incoming, common)


def _send(chat: int, text: str, markup: dict[str, Any] | None = None) -> Call:
    return bale.send_message(chat, text, markup)


def _ask_agency(chat: int, common: CommonAgencies, opening: str) -> Outcome:
    return Outcome(
        State(Step.agency, {}),
        [_send(chat, opening), _send(chat, say.ASK_AGENCY, bale.agency_keyboard(common()))],
    )


def _stay(state: State, *calls: Call) -> Outcome:
    return Outcome(State(state.step, state.answers), list(calls))


def _go(state: State, step: Step, changes: dict[str, Any], *calls: Call) -> Outcome:
    return Outcome(State(step, {**state.answers, **changes}), list(calls))


Markup = dict[str, Any]


def _need_text(
    state: State, incoming: Incoming, question: str, markup: Markup | Callable[[], Markup]
) -> Outcome | None:
    """A keyboard costly to build (the common agencies) is passed as a callable, built only if needed."""
    if not incoming.text or incoming.command:
        chat = incoming.chat_id
        assert chat is not None
        return _stay(
            state, _send(chat, f"{say.NEED_TEXT}\n{question}", markup() if callable(markup) else markup)
        )
    return None


def _on_agency(state: State, incoming: Incoming, common: CommonAgencies) -> Outcome:
    chat = incoming.chat_id
    assert chat is not None
    early = _need_text(state, incoming, say.ASK_AGENCY, lambda: bale.agency_keyboard(common()))
    if early is not None:
        return early
    assert incoming.text is not None
    found = lookup.match_agencies(incoming.text)
    if len(found) == 1:
        agency = found[0]
        return _go(
            state,
            Step.province,
            {"agency_code": agency.code},
            _send(chat, say.ASK_PROVINCE.format(agency=agency.name_fa), bale.province_keyboard()),
        )
    if found:
        shown = found[: lookup.MAX_CHOICES]
        return _stay(state, _send(chat, say.AGENCY_AMBIGUOUS, bale.agency_keyboard(shown)))
    return _stay(
        state,
        _send(chat, say.AGENCY_NOT_FOUND.format(text=incoming.text[:80]), bale.agency_keyboard(common())),
    )


def _on_province(state: State, incoming: Incoming, _common: CommonAgencies) -> Outcome:
    chat = incoming.chat_id
    assert chat is not None
    agency = lookup.agency_by_code(state.answers.get("agency_code", ""))
    question = say.ASK_PROVINCE.format(agency=agency.name_fa if agency else "")
    if (early := _need_text(state, incoming, question, bale.province_keyboard())) is not None:
        return early
    assert incoming.text is not None
    province = lookup.find_province(incoming.text)
    if province is None:
        return _stay(
            state,
            _send(chat, say.PROVINCE_NOT_FOUND.format(text=incoming.text[:80]), bale.province_keyboard()),
        )
    return _go(
        state,
        Step.office,
        {"province_code": province.code},
        _send(chat, say.ASK_OFFICE, bale.cancel_keyboard()),
    )


def _free_text(
    state: State, incoming: Incoming, question: str, markup: dict[str, Any], minimum: int, limit: int
) -> tuple[str | None, Outcome | None]:
    chat = incoming.chat_id
    assert chat is not None
    if (early := _need_text(state, incoming, question, markup)) is not None:
        return None, early
    text = " ".join((incoming.text or "").split())
    if len(text) > limit:
        return None, _stay(state, _send(chat, say.TOO_LONG.format(limit=limit), markup))
    if len(text) < minimum:
        return None, _stay(state, _send(chat, f"{say.TOO_SHORT}\n{question}", markup))
    return text, None


def _on_office(state: State, incoming: Incoming, _common: CommonAgencies) -> Outcome:
    text, early = _free_text(state, incoming, say.ASK_OFFICE, bale.cancel_keyboard(), 2, OFFICE_MAX)
    if early is not None:
        return early
    assert incoming.chat_id is not None
    return _go(
        state,
        Step.address,
        {"office_name": text},
        _send(incoming.chat_id, say.ASK_ADDRESS, bale.cancel_keyboard()),
    )


def _on_address(state: State, incoming: Incoming, _common: CommonAgencies) -> Outcome:
    text, early = _free_text(state, incoming, say.ASK_ADDRESS, bale.cancel_keyboard(), 5, ADDRESS_MAX)
    if early is not None:
        return early
    assert incoming.chat_id is not None and text is not None
    province_code = state.answers.get("province_code", "")
    county = lookup.county_in_text(province_code, f"{state.answers.get('office_name', '')} {text}")
    return _go(
        state,
        Step.employee,
        {"office_address": text, "county_code": county.code if county else None},
        _send(incoming.chat_id, say.ASK_EMPLOYEE, bale.skip_keyboard()),
    )


def _on_employee(state: State, incoming: Incoming, _common: CommonAgencies) -> Outcome:
    assert incoming.chat_id is not None
    ask_attachment = _send(incoming.chat_id, say.ASK_ATTACHMENT, bale.attachment_keyboard(False))
    if incoming.text == say.SKIP_BUTTON:
        return _go(state, Step.attachment, {"employee_name": None}, ask_attachment)
    text, early = _free_text(state, incoming, say.ASK_EMPLOYEE, bale.skip_keyboard(), 2, EMPLOYEE_MAX)
    if early is not None:
        return early
    return _go(state, Step.attachment, {"employee_name": text}, ask_attachment)


def _on_attachment(state: State, incoming: Incoming, _common: CommonAgencies) -> Outcome:
    chat = incoming.chat_id
    assert chat is not None
    if incoming.latitude is not None and incoming.longitude is not None:
        changes: dict[str, Any] = {"latitude": incoming.latitude, "longitude": incoming.longitude}
        return _go(
            state,
            Step.attachment,
            changes,
            _send(chat, say.ATTACHMENT_RECEIVED, bale.attachment_keyboard(True)),
        )
    if incoming.photo_file_id:
        changes = {"photo_file_id": incoming.photo_file_id}
        return _go(
            state,
            Step.attachment,
            changes,
            _send(chat, say.ATTACHMENT_RECEIVED, bale.attachment_keyboard(True)),
        )
    if incoming.text in {say.SKIP_BUTTON, say.CONTINUE_BUTTON}:
        return _go(state, Step.confirm, {}, _send(chat, summary(state.answers), bale.confirm_keyboard()))
    received = bool(state.answers.get("photo_file_id") or state.answers.get("latitude") is not None)
    return _stay(state, _send(chat, say.ASK_ATTACHMENT, bale.attachment_keyboard(received)))


def _on_confirm(state: State, incoming: Incoming, _common: CommonAgencies) -> Outcome:
    chat = incoming.chat_id
    assert chat is not None
    if incoming.callback_data == "confirm" or incoming.text == say.CONFIRM_BUTTON:
        return Outcome(None, [], submit=dict(state.answers))
    return _stay(
        state, _send(chat, say.CONFIRM_HINT), _send(chat, summary(state.answers), bale.confirm_keyboard())
    )


def summary(answers: dict[str, Any]) -> str:
    agency = lookup.agency_by_code(answers.get("agency_code", ""))
    province = lookup.province_by_code(answers.get("province_code", ""))
    county = lookup.county_by_code(answers["county_code"]) if answers.get("county_code") else None
    has_location = answers.get("latitude") is not None
    return say.SUMMARY.format(
        agency=agency.name_fa if agency else say.NOT_GIVEN,
        province=province.name_fa if province else say.NOT_GIVEN,
        county=say.SUMMARY_COUNTY.format(county=county.name_fa) if county else "",
        office=answers.get("office_name") or say.NOT_GIVEN,
        address=answers.get("office_address") or say.NOT_GIVEN,
        employee=answers.get("employee_name") or say.NOT_GIVEN,
        location=say.YES if has_location else say.NOT_GIVEN,
        photo=say.YES if answers.get("photo_file_id") else say.NOT_GIVEN,
    )


_HANDLERS: dict[Step, Callable[[State, Incoming, CommonAgencies], Outcome]] = {
    Step.agency: _on_agency,
    Step.province: _on_province,
    Step.office: _on_office,
    Step.address: _on_address,
    Step.employee: _on_employee,
    Step.attachment: _on_attachment,
    Step.confirm: _on_confirm,
}
