"""The agency hierarchy (the reference list's `parent_code`): a ministry or umbrella body and the
organizations affiliated to it, at any depth. A ministry's figures are those of its whole family, and
a ministry's account sees what its organizations' accounts see."""

from __future__ import annotations

from functools import cache

from core import reference


@cache
def _children_by_parent() -> dict[str, tuple[str, ...]]:
    found: dict[str, list[str]] = {}
    for agency in reference.agencies():
        if agency.parent_code and agency.parent_code != agency.code:
            found.setdefault(agency.parent_code, []).append(agency.code)
    return {parent: tuple(codes) for parent, codes in found.items()}


def children(code: str) -> tuple[str, ...]:
    """The agencies directly affiliated to `code`, in the reference list's order."""
    return _children_by_parent().get(code, ())


@cache
def family(code: str) -> tuple[str, ...]:
    """`code` and every agency below it (a parent loop in edited data cannot recurse forever).
    Cached like the parent map it walks: a league asks it of every agency, several times a page."""
    seen = [code]
    for current in seen:
        seen.extend(child for child in children(current) if child not in seen)
    return tuple(seen)


def top_level() -> tuple[str, ...]:
    """Agencies with no parent in the list: the ministries, the Presidency and independent bodies."""
    known = reference.agencies_by_code()
    return tuple(a.code for a in reference.agencies() if not a.parent_code or a.parent_code not in known)


def depth(code: str) -> int:
    """0 for a top-level agency, 1 for an organization of a ministry, and so on."""
    known = reference.agencies_by_code()
    steps, current = 0, known.get(code)
    while current and current.parent_code in known and steps < len(known):
        steps, current = steps + 1, known[current.parent_code]
    return steps
