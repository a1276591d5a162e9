"""The Iranian national code (کد ملی): ten digits, the last a check digit over the first nine.

Personal data: validated here, stored, shown only masked (`mask`), never in a URL, a code, a public
page or a log line.
"""

from __future__ import annotations

from core.dates import to_latin_digits

_SEPARATORS = str.maketrans("", "", " -_\u200c\u00a0")


def normalize(raw: str) -> str:
    """Latin digits, separators dropped, and leading zeros restored: spreadsheets store the code as a
    number and drop them (0012345679 becomes 12345679)."""
    text = to_latin_digits(str(raw)).translate(_SEPARATORS).strip()
    if text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]
    if text.isdigit() and 8 <= len(text) < 10:
        text = text.zfill(10)
    return text


def is_valid(code: str) -> bool:
    """Check digit: s = Σ digit[i]·(10−i) for i<9; r = s mod 11; check = r if r < 2 else 11 − r.
    The ten repeated-digit numbers pass that sum but are not issued, so they are refused."""
    if len(code) != 10 or not code.isdigit() or len(set(code)) == 1:
        return False
    return int(code[9]) == int(check_digit(code[:9]))


def check_digit(first_nine: str) -> str:
    """The check digit for nine digits (used to generate valid codes for demos and benchmarks)."""
    total = sum(int(first_nine[i]) * (10 - i) for i in range(9))
    remainder = total % 11
    return str(remainder if remainder < 2 else 11 - remainder)


def mask(code: str) -> str:
    """Only the last four digits, for those allowed to see that much."""
    return "******" + code[-4:] if len(code) >= 4 else "**********"
