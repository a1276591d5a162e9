import datetime as dt

import pytest

from core import dates, reference
from core.text import normalize_fa


@pytest.mark.parametrize(
    ("gregorian", "fa", "en"),
    [
        (dt.date(2024, 11, 20), "۳۰ آبان ۱۴۰۳", "30 Aban 1403"),  # end of Aban 1403: all services electronic
        (dt.date(2025, 3, 21), "۱ فروردین ۱۴۰۴", "1 Farvardin 1404"),  # joining the cloud
        (dt.date(2025, 3, 20), "۳۰ اسفند ۱۴۰۳", "30 Esfand 1403"),  # leap year end
    ],
)
def test_jalali_formatting(gregorian, fa, en):
    assert dates.format_jalali(gregorian, "fa") == fa
    assert dates.format_jalali(gregorian, "en") == en


def test_jalali_round_trip_accepts_any_digits():
    assert dates.parse_jalali("۱۴۰۳/۰۹/۳۰") == dt.date(2024, 12, 20)
    assert dates.parse_jalali("1403-10-30") == dt.date(2025, 1, 19)
    assert dates.format_jalali_numeric(dt.date(2025, 1, 19)) == "۱۴۰۳/۱۰/۳۰"
    with pytest.raises(ValueError, match="Jalali"):
        dates.parse_jalali("30 Dey")


def test_numbers_in_persian():
    assert dates.format_number(1234567) == "۱٬۲۳۴٬۵۶۷"
    assert dates.format_number(12.5, "fa", 1) == "۱۲٫۵"
    assert dates.format_number(1234567, "en") == "1,234,567"
    assert dates.to_latin_digits("۰۹١٢") == "0912"


def test_persian_normalization_matches_keyboard_variants():
    # Arabic yeh and kaf, ZWNJ instead of space, Arabic-Indic digits
    assert normalize_fa("نجف‌آباد") == normalize_fa("نجف آباد")
    assert normalize_fa("كرمانشاه") == normalize_fa("کرمانشاه")
    assert normalize_fa("علي  آباد") == normalize_fa("علی آباد")
    assert normalize_fa("Tehran") == normalize_fa("tehran")


def test_reference_divisions_resolve_by_either_language():
    assert len(reference.provinces()) == 31
    assert len(reference.counties()) == 469
    tehran = reference.find_province("تهران")
    assert tehran is not None and tehran.code == "IR-23"
    assert reference.find_province("Kermanshah") == reference.find_province("كرمانشاه")
    county = reference.find_county("IR-10", "نجف‌آباد")
    assert county is not None and county.name_en == "Najafabad"
