"""Run every `bench/bench_*.py` (or those named on the command line) and print one table.

Each module exposes `run() -> list[Row]`. Figures on these shared machines are noisy, so every
benchmark measures its own baseline in the same run and the table puts the two side by side.
"""

from __future__ import annotations

import importlib
import sys
import time
from pathlib import Path

from bench.table import Row, print_table


def main(argv: list[str]) -> int:
    names = argv or sorted(p.stem for p in Path(__file__).parent.glob("bench_*.py"))
    rows: list[Row] = []
    failed = []
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        started = time.perf_counter()
        print(f"running {name}…", file=sys.stderr, flush=True)
        try:
            rows.extend(module.run())
        except Exception as exc:  # one broken benchmark must not hide the others' figures
            failed.append(f"{name}: {type(exc).__name__}: {exc}")
        print(f"  {name} took {time.perf_counter() - started:.1f}s", file=sys.stderr, flush=True)
    print_table(rows)
    for line in failed:
        print(f"FAILED {line}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
