"""YAML that users send (descriptors, workload components, inventory files), read within a budget.

PyYAML's safe loader builds only plain values, but it still expands aliases: a few hundred bytes of
nested `*alias`es become billions of strings once a value is turned into text (issue 22). So a
user's YAML is first walked as an event stream, which builds nothing: an alias (an anchor alone
repeats nothing, so it is let be), nesting
past a depth, too many nodes or too much parse time refuse the text, naming the line, before a single
value exists. Size, node count and time together are the memory and time budget of one parse.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any

import yaml

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclasses.dataclass(frozen=True)
class Budget:
    """What one parse may cost. The defaults fit a form's or a file's worth of hand-written YAML."""

    max_bytes: int = 1024 * 1024
    max_depth: int = 16
    max_nodes: int = 100_000
    seconds: float = 5.0


class YamlRefused(Exception):
    """The text was refused before anything was built from it. `template % params` is the English
    reason; callers with translations word it from the template."""

    def __init__(self, line: int, template: str, **params: Any) -> None:
        self.line, self.template, self.params = line, template, params
        super().__init__(f"line {line}: {template % params if params else template}")

    @property
    def reason(self) -> str:
        return self.template % self.params if self.params else self.template


ALIASES_REFUSED = "YAML aliases (*name) are not accepted: write each value out"
TOO_LARGE = "the text is %(size)s bytes; at most %(limit)s are read"
TOO_DEEP = "nested deeper than %(depth)s levels"
TOO_COSTLY = "too large to read: split it into smaller files"


def check_bounds(text: str | bytes, budget: Budget) -> None:
    """Raise YamlRefused, naming the line, if reading `text` would cost more than `budget` allows."""
    size = len(text.encode() if isinstance(text, str) else text)
    if size > budget.max_bytes:
        raise YamlRefused(1, TOO_LARGE, size=size, limit=budget.max_bytes)
    deadline = time.monotonic() + budget.seconds
    depth = nodes = 0
    for event in yaml.parse(text, Loader=_Loader):
        line = event.start_mark.line + 1 if event.start_mark else 1
        if isinstance(event, yaml.AliasEvent):
            raise YamlRefused(line, ALIASES_REFUSED)
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > budget.max_depth:
                raise YamlRefused(line, TOO_DEEP, depth=budget.max_depth)
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
        if isinstance(event, yaml.NodeEvent):
            nodes += 1
            if nodes > budget.max_nodes or (nodes % 4096 == 0 and time.monotonic() > deadline):
                raise YamlRefused(line, TOO_COSTLY)


def safe_load(text: str | bytes, budget: Budget = Budget()) -> Any:
    """`yaml.safe_load` within `budget`: YamlRefused for what is too costly, yaml.YAMLError for
    what is not YAML."""
    check_bounds(text, budget)
    return yaml.load(text, Loader=_Loader)  # noqa: S506 - the safe loader (C when built)
