"""Persian text normalization, so names typed on different keyboards match the reference lists."""

from __future__ import annotations

import re

from core.dates import to_latin_digits

_ARABIC_TO_PERSIAN = str.maketrans(
    {"ي": "ی", "ى": "ی", "ك": "ک", "ة": "ه", "ۀ": "ه", "ؤ": "و", "إ": "ا", "أ": "ا"}
)
_INVISIBLE = re.compile("[\u200c\u200d\u200e\u200f\u00a0\u0640\u064b-\u065f\u0670]")
_SPACES = re.compile(r"\s+")

DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
"""A DNS label (RFC 1123) as Kubernetes names want it: lower-case letters, digits and '-', at most 63,
starting and ending with a letter or digit."""


def normalize_fa(text: str) -> str:
    """Key for matching: Arabic ي/ك → ی/ک, ZWNJ/tatweel/diacritics → space or nothing, digits Latin,
    spaces collapsed, case folded (for English names)."""
    text = text.translate(_ARABIC_TO_PERSIAN)
    text = _INVISIBLE.sub(lambda m: " " if m.group() in "\u200c\u00a0" else "", text)
    text = to_latin_digits(text)
    return _SPACES.sub(" ", text).strip().casefold()


def luhn_digit(body: str) -> str:
    """The Luhn check digit of a string of digits: catches every single-digit typo and most swaps of
    neighbours, which is what people make when they type a printed number."""
    total = 0
    for index, char in enumerate(reversed(body)):
        value = int(char)
        if index % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)
