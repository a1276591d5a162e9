"""Tracking numbers: ten digits a citizen can read out over the phone and type on any keyboard.

Nine random digits (not a sequence: nobody learns how many reports exist or guesses a neighbour's)
and a Luhn check digit, so a mistyped number is caught before it is looked up.
"""

from __future__ import annotations

import secrets

from core.dates import to_latin_digits
from core.text import luhn_digit

LENGTH = 10


def new_tracking_number() -> str:
    body = str(secrets.randbelow(9 * 10**8) + 10**8)  # nine digits, never a leading zero
    return body + luhn_digit(body)


def normalize_tracking_number(raw: str) -> str | None:
    """The canonical form of what a citizen typed (Persian digits, spaces and dashes allowed), or
    None when it cannot be a tracking number."""
    digits = "".join(ch for ch in to_latin_digits(raw) if ch not in " -\u200c")
    if len(digits) != LENGTH or not digits.isdigit():
        return None
    return digits if luhn_digit(digits[:-1]) == digits[-1] else None
