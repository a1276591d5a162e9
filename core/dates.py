"""Jalali dates and Persian digits, the way Iranian users read them; Tehran's calendar day."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import jdatetime

TEHRAN = ZoneInfo("Asia/Tehran")

PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"
ARABIC_DIGITS = "٠١٢٣٤٥٦٧٨٩"
_TO_PERSIAN = str.maketrans("0123456789", PERSIAN_DIGITS)
_TO_LATIN = str.maketrans(PERSIAN_DIGITS + ARABIC_DIGITS, "0123456789" * 2)

JALALI_MONTHS_FA = (
    "فروردین",
    "اردیبهشت",
    "خرداد",
    "تیر",
    "مرداد",
    "شهریور",
    "مهر",
    "آبان",
    "آذر",
    "دی",
    "بهمن",
    "اسفند",
)
JALALI_MONTHS_EN = (
    "Farvardin",
    "Ordibehesht",
    "Khordad",
    "Tir",
    "Mordad",
    "Shahrivar",
    "Mehr",
    "Aban",
    "Azar",
    "Dey",
    "Bahman",
    "Esfand",
)


def to_persian_digits(value: object) -> str:
    return str(value).translate(_TO_PERSIAN)


def to_latin_digits(value: str) -> str:
    """Accepts Persian, Arabic-Indic and Latin digits alike, as people type all three."""
    return value.translate(_TO_LATIN)


def to_jalali(value: dt.date | dt.datetime) -> jdatetime.date | jdatetime.datetime:
    if isinstance(value, dt.datetime):
        return jdatetime.datetime.fromgregorian(datetime=value)
    return jdatetime.date.fromgregorian(date=value)


def format_jalali(value: dt.date | dt.datetime | None, locale: str = "fa", with_time: bool = False) -> str:
    """`۳۰ آبان ۱۴۰۳` in Persian, `30 Aban 1403` in English; empty for None."""
    if value is None:
        return ""
    j = to_jalali(value)
    months = JALALI_MONTHS_FA if locale == "fa" else JALALI_MONTHS_EN
    text = f"{j.day} {months[j.month - 1]} {j.year}"
    if with_time and isinstance(value, dt.datetime):
        text += (
            f"، {value.hour:02d}:{value.minute:02d}"
            if locale == "fa"
            else f", {value.hour:02d}:{value.minute:02d}"
        )
    return to_persian_digits(text) if locale == "fa" else text


def format_jalali_month(value: dt.date, locale: str = "fa") -> str:
    """`آبان ۱۴۰۳` in Persian, `Aban 1403` in English: a timeline's heading."""
    j = to_jalali(value)
    months = JALALI_MONTHS_FA if locale == "fa" else JALALI_MONTHS_EN
    text = f"{months[j.month - 1]} {j.year}"
    return to_persian_digits(text) if locale == "fa" else text


def format_jalali_numeric(value: dt.date | dt.datetime | None, locale: str = "fa") -> str:
    """`۱۴۰۳/۰۸/۳۰`: compact form for tables and exports."""
    if value is None:
        return ""
    j = to_jalali(value)
    text = f"{j.year:04d}/{j.month:02d}/{j.day:02d}"
    return to_persian_digits(text) if locale == "fa" else text


def parse_jalali(text: str) -> dt.date:
    """Parse `1403/08/30` (any digits, `/` or `-`) into a Gregorian date; ValueError names the problem."""
    cleaned = to_latin_digits(text.strip()).replace("-", "/")
    parts = cleaned.split("/")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise ValueError(f"expected a Jalali date like 1403/08/30, got {text!r}")
    year, month, day = (int(p) for p in parts)
    return jdatetime.date(year, month, day).togregorian()


def format_number(value: int | float, locale: str = "fa", decimals: int = 0) -> str:
    """Thousands separated; Persian digits and the Persian separator (٬) in Persian."""
    text = f"{value:,.{decimals}f}"
    if locale == "fa":
        return to_persian_digits(text.replace(",", "٬").replace(".", "٫"))
    return text


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def tehran_day(now: dt.datetime) -> dt.date:
    """The calendar day in Tehran at the (timezone-aware) moment `now`."""
    return now.astimezone(TEHRAN).date()


def tehran_today() -> dt.date:
    """Today in Tehran: the day deadlines (Jalali dates in Iran) and daily figures are counted in."""
    return tehran_day(utcnow())
