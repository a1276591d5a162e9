"""Calls made at the same moment, to prove that a count or a limit holds under concurrency."""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import TypeVar

R = TypeVar("R")
T = TypeVar("T")


def at_once(
    count: int, open_: Callable[[], AbstractContextManager[R]], call: Callable[[R, int], T]
) -> list[T]:
    """`call(resource, n)` for n in range(count), each in a thread of its own with its own resource
    from `open_()` (a database session), all released together by a barrier once every resource is
    open, so that the statements race rather than the connecting. The results in order; the first
    exception of any call is raised."""
    barrier = threading.Barrier(count)
    results: dict[int, T] = {}
    failures: list[BaseException] = []

    def run(n: int) -> None:
        with open_() as resource:
            barrier.wait()
            try:
                results[n] = call(resource, n)
            except BaseException as exc:  # handed to the test's thread
                failures.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    if failures:
        raise failures[0]
    return [results[n] for n in range(count)]
