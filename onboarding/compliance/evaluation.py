"""Status of one agency against one milestone on one day: pure functions, no database.

Rules (docs/compliance.md):
- no value (nothing in the metric's denominator) → no data;
- value >= target → met (on any day, also after the deadline: late but met);
- the deadline is inclusive: on the deadline day itself an agency below target is still "at risk"
  or "on track", from the day after it is "missed";
- before the deadline: project the value to the deadline from the least-squares slope of the
  recent trend (today's value and the snapshots of the previous TREND_DAYS days). Projected to reach
  the target → on track, else at risk. With no earlier snapshot there is no trend: at risk.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from onboarding.compliance.schemas import Status

TREND_DAYS = 14
EPSILON = 1e-9


def trend_slope(points: Sequence[tuple[float, float]]) -> float | None:
    """Least-squares slope (value per day) of (day offset, value) points; None under two distinct days."""
    if len(points) < 2:
        return None
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    sxx = sum((x - mean_x) ** 2 for x, _ in points)
    if sxx == 0:
        return None
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / sxx


def evaluate(
    value: float | None,
    target: float,
    deadline: dt.date,
    day: dt.date,
    history: Sequence[tuple[dt.date, float]] = (),
) -> tuple[Status, float | None]:
    """(status, value projected to the deadline or None). `history` holds earlier days' values."""
    if value is None:
        return Status.no_data, None
    if value + EPSILON >= target:
        return Status.met, value
    if day > deadline:
        return Status.missed, value
    since = day - dt.timedelta(days=TREND_DAYS)
    points: list[tuple[float, float]] = [
        ((d - day).days, v) for d, v in history if since <= d < day and v is not None
    ]
    points.append((0.0, value))
    slope = trend_slope(points)
    if slope is None:
        return Status.at_risk, value
    projected = value + slope * (deadline - day).days
    return (Status.on_track if projected + EPSILON >= target else Status.at_risk), projected
