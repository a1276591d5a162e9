"""Tracking numbers: ten digits a citizen can read out over the phone and type on any keyboard.

Nine random digits (not a sequence: nobody learns how many reports exist or guesses a neighbour's)
and a Luhn check digit, so a mistyped number is caught before it is looked up.
"""

from __future__ import annotations

import secrets

from core.dates import to_latin_digits

LENGTH = 10


def _luhn_digit(body: str) -> str:
    total = 0
    for index, char in enumerate(reversed(body)):
        digit = int(char)
        if index % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return str((10 - total % 10) % 10)


def new_tracking_number() -> str:
    body = str(secrets.randbelow(9 * 10**8) + 10**8)  # nine digits, never a leading zero
    return body + _luhn_digit(body)


def normalize_tracking_number(raw: str) -> str | None:
    """The canonical form of what a citizen typed (Persian digits, spaces and dashes allowed), or
    None when it cannot be a tracking number."""
    digits = "".join(ch for ch in to_latin_digits(raw) if ch not in " -\u200c")
    if len(digits) != LENGTH or not digits.isdigit():
        return None
    return digits if _luhn_digit(digits[:-1]) == digits[-1] else None
