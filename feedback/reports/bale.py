"""Bale's update JSON in, Bot API calls out (Bale's Bot API follows Telegram's)."""

from __future__ import annotations

import dataclasses
from typing import Any

from core.reference import AgencyRecord, provinces
from feedback.reports import messages as say


@dataclasses.dataclass(frozen=True)
class Incoming:
    """The parts of an update the conversation reads; everything else is ignored."""

    update_id: int
    chat_id: int | None
    text: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    photo_file_id: str | None = None
    callback_data: str | None = None
    callback_id: str | None = None

    @property
    def command(self) -> str | None:
        """ "/start", "/cancel"… without a "@botname" suffix or arguments."""
        if not self.text or not self.text.startswith("/"):
            return None
        return self.text.split()[0].split("@")[0].lower()


@dataclasses.dataclass(frozen=True)
class Call:
    """One Bot API call to make later (a row of the outbox)."""

    method: str
    payload: dict[str, Any]


def parse_update(update: dict[str, Any]) -> Incoming | None:
    """None when the JSON is not an update at all; an Incoming without chat for kinds we ignore."""
    update_id = update.get("update_id")
    if not isinstance(update_id, int) or isinstance(update_id, bool):
        return None
    callback = update.get("callback_query")
    if isinstance(callback, dict):
        message = callback.get("message") or {}
        chat = message.get("chat") or {}
        return Incoming(
            update_id=update_id,
            chat_id=_int(chat.get("id")) or _int((callback.get("from") or {}).get("id")),
            callback_data=str(callback.get("data") or "")[:64],
            callback_id=str(callback.get("id") or "") or None,
        )
    message = update.get("message")
    if not isinstance(message, dict):
        return Incoming(update_id=update_id, chat_id=None)
    chat = message.get("chat") or {}
    if chat.get("type", "private") != "private":
        return Incoming(update_id=update_id, chat_id=None)  # groups and channels: not ours
    location = message.get("location") or {}
    photos = message.get("photo") or []
    largest = photos[-1] if isinstance(photos, list) and photos and isinstance(photos[-1], dict) else {}
    text = message.get("text")
    return Incoming(
        update_id=update_id,
        chat_id=_int(chat.get("id")),
        text=text.strip() if isinstance(text, str) else None,
        latitude=_float(location.get("latitude")) if isinstance(location, dict) else None,
        longitude=_float(location.get("longitude")) if isinstance(location, dict) else None,
        photo_file_id=str(largest["file_id"])[:255] if largest.get("file_id") else None,
    )


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _float(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


# --- keyboards ----------------------------------------------------------------------------------


def _reply_keyboard(rows: list[list[dict[str, Any] | str]]) -> dict[str, Any]:
    return {
        "keyboard": [[b if isinstance(b, dict) else {"text": b} for b in row] for row in rows],
        "resize_keyboard": True,
        "one_time_keyboard": True,
    }


def _rows(labels: list[str], per_row: int) -> list[list[dict[str, Any] | str]]:
    return [list(labels[i : i + per_row]) for i in range(0, len(labels), per_row)]


def agency_keyboard(agencies: list[AgencyRecord]) -> dict[str, Any]:
    return _reply_keyboard([*_rows([a.name_fa for a in agencies], 2), [say.CANCEL_BUTTON]])


def province_keyboard() -> dict[str, Any]:
    names = sorted((p.name_fa for p in provinces()), key=str)
    return _reply_keyboard([*_rows(names, 3), [say.CANCEL_BUTTON]])


def cancel_keyboard() -> dict[str, Any]:
    return _reply_keyboard([[say.CANCEL_BUTTON]])


def skip_keyboard() -> dict[str, Any]:
    return _reply_keyboard([[say.SKIP_BUTTON], [say.CANCEL_BUTTON]])


def attachment_keyboard(received: bool) -> dict[str, Any]:
    first = say.CONTINUE_BUTTON if received else say.SKIP_BUTTON
    return _reply_keyboard(
        [[first], [{"text": say.LOCATION_BUTTON, "request_location": True}], [say.CANCEL_BUTTON]]
    )


def confirm_keyboard() -> dict[str, Any]:
    return {
        "inline_keyboard": [
            [{"text": say.CONFIRM_BUTTON, "callback_data": "confirm"}],
            [{"text": say.CANCEL_BUTTON, "callback_data": "cancel"}],
        ]
    }


REMOVE_KEYBOARD = {"remove_keyboard": True}


def send_message(chat_id: int, text: str, reply_markup: dict[str, Any] | None = None) -> Call:
    payload: dict[str, Any] = {"chat_id": chat_id, "text": text}
    if reply_markup is not None:
        payload["reply_markup"] = reply_markup
    return Call("sendMessage", payload)


def answer_callback(callback_id: str) -> Call:
    return Call("answerCallbackQuery", {"callback_query_id": callback_id, "text": say.CALLBACK_OK})
