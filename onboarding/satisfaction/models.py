"""One agency's citizen-satisfaction score as the feedback tenant published it on one day."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, DateTime, Float, ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from core.db import PlatformBase


class SatisfactionScore(PlatformBase):
    """The tenant's score (0-100, over its own 30-day period) and its number of responses; only
    agencies that met the tenant's minimum of responses are published, so only those have rows."""

    __tablename__ = "satisfaction_scores"

    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    score: Mapped[float] = mapped_column(Float)
    responses: Mapped[int] = mapped_column(Integer)
    read_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
