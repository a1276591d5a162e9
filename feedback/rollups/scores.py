"""The satisfaction score shown everywhere, and the minimum count below which it is withheld."""

from __future__ import annotations

from collections.abc import Sequence

from core.settings import Settings


def score(count: int, sums: Sequence[int]) -> float | None:
    """Mean of the four questions' means on 1..5, mapped to 0..100; None with no responses."""
    if not count:
        return None
    means = [total / count for total in sums]
    mean = sum(means) / len(means)
    return (mean - 1) / 4 * 100


def min_responses(settings: Settings) -> int:
    """Fewer responses than this and a score is "not enough responses yet" (one visitor brands no one)."""
    return int(settings.feedback_min_responses)
