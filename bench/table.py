"""The one table every benchmark prints into: what, how much, how fast, compared with what."""

from __future__ import annotations

import dataclasses
import statistics
import time
from collections.abc import Callable


@dataclasses.dataclass
class Row:
    what: str
    size: str
    figure: float
    unit: str
    compared_with: str = ""


def print_table(rows: list[Row]) -> None:
    header = ("what", "size", "figure", "unit", "compared with")
    cells = [header] + [(r.what, r.size, f"{r.figure:,.1f}", r.unit, r.compared_with) for r in rows]
    widths = [max(len(str(c[i])) for c in cells) for i in range(len(header))]
    for index, cell in enumerate(cells):
        print(" | ".join(str(v).ljust(w) for v, w in zip(cell, widths, strict=True)))
        if index == 0:
            print("-+-".join("-" * w for w in widths))


def timed(call: Callable[[], object], repeat: int) -> list[float]:
    """Latencies in milliseconds of `repeat` calls."""
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def percentile(samples: list[float], p: float) -> float:
    return (
        statistics.quantiles(samples, n=100, method="inclusive")[int(p) - 1]
        if len(samples) > 1
        else samples[0]
    )
