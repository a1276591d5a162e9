"""Short numeric codes for people who cannot scan: random digits plus a Luhn check digit.

Random (not sequential) and sparse: 11 random digits give 10^11 codes for ~2.5 million desks, so a
guess hits a real code about once in 40,000 tries; lookups are rate-limited on top of that. The
check digit lets a typo be answered "check the code" without touching the database.
"""

from __future__ import annotations

import secrets

from core.dates import to_latin_digits
from core.text import luhn_digit

RANDOM_DIGITS = 11
LENGTH = RANDOM_DIGITS + 1


def new_short_code() -> str:
    """No leading zero (printed and typed without surprises): 9·10^10 possible bodies."""
    body = str(10 ** (RANDOM_DIGITS - 1) + secrets.randbelow(9 * 10 ** (RANDOM_DIGITS - 1)))
    return body + luhn_digit(body)


def normalize(raw: str) -> str:
    """What people type: Persian or Arabic digits, spaces or dashes between groups."""
    return "".join(ch for ch in to_latin_digits(raw) if ch.isdigit())


def is_well_formed(code: str) -> bool:
    return len(code) == LENGTH and code.isdigit() and luhn_digit(code[:-1]) == code[-1]


def grouped(code: str) -> str:
    """`1234 5678 9012`: easier to read aloud and to type."""
    return " ".join(code[i : i + 4] for i in range(0, len(code), 4))
