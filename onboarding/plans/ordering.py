"""Dependency ordering: which wave each workload can go in, and why.

A workload goes in a wave strictly after every workload it depends on (unless that one has already
moved), so when a wave starts, what it needs is already in the cloud.
"""

from __future__ import annotations

from collections.abc import Mapping

from core.errors import ValidationError


def layers(depends_on: Mapping[str, set[str]]) -> list[list[str]]:
    """Topological layers of names (layer 0 first); a cycle is a validation error naming it."""
    remaining = {name: set(deps) & set(depends_on) for name, deps in depends_on.items()}
    result: list[list[str]] = []
    while remaining:
        ready = sorted(name for name, deps in remaining.items() if not deps)
        if not ready:
            cycle = _find_cycle(remaining)
            raise ValidationError(
                "the dependencies form a cycle", fields={"depends_on": " → ".join(cycle)}, cycle=cycle
            )
        result.append(ready)
        for name in ready:
            del remaining[name]
        for deps in remaining.values():
            deps.difference_update(ready)
    return result


def _find_cycle(graph: Mapping[str, set[str]]) -> list[str]:
    start = min(graph)
    path = [start]
    seen = {start}
    while True:
        following = min(graph[path[-1]])
        if following in seen:
            return [*path[path.index(following) :], following]
        path.append(following)
        seen.add(following)


def reason_for(name: str, deps: list[tuple[str, int | None]], wave: int) -> str:
    """Why a workload sits in its wave, in words shown on the plan board."""
    if not deps:
        return f"{name} depends on no other workload"
    parts = [f"{dep} (wave {w})" if w is not None else f"{dep} (already migrated)" for dep, w in deps]
    return f"{name} in wave {wave} after {', '.join(parts)}"
