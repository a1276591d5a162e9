"""Status rules by hand: each status, the deadline day itself, no data, and the trend projection."""

import datetime as dt

import pytest

from onboarding.compliance.evaluation import evaluate, trend_slope
from onboarding.compliance.schemas import Status

DEADLINE = dt.date(2025, 1, 19)


def test_no_value_is_no_data_not_zero():
    assert evaluate(None, 0.2, DEADLINE, dt.date(2025, 1, 1)) == (Status.no_data, None)


def test_at_or_above_target_is_met_even_after_the_deadline():
    assert evaluate(0.2, 0.2, DEADLINE, dt.date(2025, 1, 1))[0] is Status.met
    assert evaluate(1.0, 0.2, DEADLINE, dt.date(2026, 1, 1))[0] is Status.met


def test_deadline_is_inclusive():
    below = 0.1
    assert evaluate(below, 0.2, DEADLINE, DEADLINE)[0] is Status.at_risk  # the day itself: not yet missed
    assert evaluate(0.2, 0.2, DEADLINE, DEADLINE)[0] is Status.met
    assert evaluate(below, 0.2, DEADLINE, DEADLINE + dt.timedelta(days=1))[0] is Status.missed


def test_rising_trend_projected_to_reach_target_is_on_track():
    day = dt.date(2025, 1, 9)  # 10 days before the deadline
    history = [(day - dt.timedelta(days=d), 0.5 - 0.05 * d) for d in (1, 2, 3)]  # +5 points a day
    status, projected = evaluate(0.5, 1.0, DEADLINE, day, history)
    assert status is Status.on_track
    assert projected == pytest.approx(1.0)  # 0.5 + 0.05 × 10


def test_slow_trend_is_at_risk():
    day = dt.date(2025, 1, 9)
    history = [(day - dt.timedelta(days=d), 0.5 - 0.01 * d) for d in (1, 2, 3)]
    status, projected = evaluate(0.5, 1.0, DEADLINE, day, history)
    assert status is Status.at_risk
    assert projected == pytest.approx(0.6)


def test_no_history_means_no_trend_so_at_risk():
    assert evaluate(0.5, 1.0, DEADLINE, dt.date(2025, 1, 1)) == (Status.at_risk, 0.5)


def test_history_older_than_the_window_is_ignored():
    day = dt.date(2025, 1, 9)
    old = [(day - dt.timedelta(days=30), 0.0)]  # would make a steep slope if counted
    assert evaluate(0.5, 1.0, DEADLINE, day, old)[0] is Status.at_risk


def test_least_squares_slope():
    assert trend_slope([(0, 1), (1, 3), (2, 5)]) == pytest.approx(2)
    assert trend_slope([(0, 1)]) is None
