"""Per-day aggregates of counted responses at six levels (employee up to the nation)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from feedback.models import FeedbackBase

NATION_KEY = "IR"


class Rollup(FeedbackBase):
    """Sums, not means: adding and subtracting a response is exact, and any score is derived on read."""

    __tablename__ = "rollups"

    level: Mapped[str] = mapped_column(String(10), primary_key=True)
    key: Mapped[str] = mapped_column(String(240), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    sum_q1: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    sum_q2: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    sum_q3: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    sum_q4: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


def unit_key(agency_code: str, unit: str) -> str:
    """A unit's rollup key (and dashboard scope value): units are named within their agency."""
    return f"{agency_code}/{unit}"


def rollup_keys(
    employee_id: int, unit: str, agency_code: str, county_code: str, province_code: str
) -> list[tuple[str, str]]:
    """The (level, key) pairs one response adds to; the key formats are part of the data contract."""
    return [
        ("employee", str(employee_id)),
        ("unit", unit_key(agency_code, unit)),
        ("agency", agency_code),
        ("county", county_code),
        ("province", province_code),
        ("nation", NATION_KEY),
    ]
