"""A landing zone's manifests filled in without rendering and reading YAML for each agency.

Reading the rendered YAML back took most of a landing zone's rendering time, yet only the namespace
and the agency's label change from one agency to the next (the plan is one of three). So the
templates are rendered and read once per plan with placeholder tokens for those two values, and
each agency gets a copy of that parsed skeleton with its values put in place of the tokens.

That copy equals what rendering and reading the agency's own YAML gives only under conditions
checked here, and `fill` answers None (the caller then renders as before) whenever one fails:

- the values are made of characters that never change how YAML splits the text into scalars
  (letters, digits and `-_.`, starting and ending with a letter or digit: no quote, colon, space,
  newline, comment, flow or escape character), so each token's scalar stays one scalar;
- every scalar that holds a value reads as the same string in YAML wherever it stands: the plain
  (unquoted) reading of the filled-in text is a string, so `123`, `null`, `yes` or `0x1f` fall back
  (those would read as a number, null or boolean where a template prints them unquoted);
- the templates only print the values: rendering with a second pair of tokens of other lengths and
  letters must give exactly the first skeleton with the tokens swapped (a filter or slice that
  changed a value would break that), and the templates may not touch the agency object itself;
- the skeleton holds only dicts, lists and plain scalars, none of them shared, so every agency's
  copy is its own and equals the parse object for object, in the same key order.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

import yaml

from onboarding.backends.base import Manifest

# Two sets of tokens, each a valid value itself, of different lengths and letters, found in no template.
_TOKENS = (
    {"namespace": "zqxnamespacexqz", "agency_label": "ZqxAgencyLabelXqz"},
    {"namespace": "jvkwnsjvkw", "agency_label": "JvkwLblJvkw"},
)
_SAFE_VALUE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9_.-]*[A-Za-z0-9])?")
# YAML refuses an unquoted key over 1,024 characters: a longer string is left to the parser to judge
_LONGEST = 1000
_STR_TAG = "tag:yaml.org,2002:str"
# The resolver the loaders use to type an unquoted scalar (CSafeLoader has the same one)
_RESOLVER = yaml.resolver.Resolver()
_SCALARS = (str, int, float, bool, type(None))


class _AgencyUnused:
    """Stands for the agency while the skeleton renders: a template that reads it in any way gets no
    skeleton (its output could depend on the agency beyond the two values)."""

    def __getattr__(self, name: str) -> Any:
        raise _NotPrintOnly(name)

    def __getitem__(self, key: Any) -> Any:
        raise _NotPrintOnly(key)

    def __str__(self) -> str:
        raise _NotPrintOnly("str")

    def __bool__(self) -> bool:
        raise _NotPrintOnly("bool")

    def __iter__(self) -> Any:
        raise _NotPrintOnly("iter")


class _NotPrintOnly(Exception):
    """A template used the agency itself, or a value otherwise than by printing it."""


class Skeleton:
    """The parsed manifests with tokens, and each token-bearing string as its literal parts and
    value names, so filling is a copy with a few joins."""

    def __init__(self, documents: list[Manifest], pattern: re.Pattern[str], names: dict[str, str]):
        self.documents = documents
        self.parts: dict[str, list[tuple[bool, str]]] = {}
        for text in _strings(documents):
            if pattern.search(text):
                pieces = pattern.split(text)  # literal, token, literal, ...: tokens at odd places
                self.parts[text] = [
                    (index % 2 == 1, names[piece] if index % 2 else piece)
                    for index, piece in enumerate(pieces)
                    if piece or index % 2
                ]

    def fill(self, values: Mapping[str, str]) -> list[Manifest] | None:
        """The manifests for these values, or None when they are not safe to put in (see the module)."""
        for value in values.values():
            if not _SAFE_VALUE.fullmatch(value):
                return None
        replaced = {}
        for text, parts in self.parts.items():
            filled = "".join(values[piece] if is_value else piece for is_value, piece in parts)
            if (
                len(filled) > _LONGEST
                or _RESOLVER.resolve(yaml.ScalarNode, filled, (True, False)) != _STR_TAG
            ):
                return None
            replaced[text] = filled
        return [_copy(document, replaced) for document in self.documents]


def build(render: Callable[[Mapping[str, Any]], list[Manifest]]) -> Skeleton | None:
    """The skeleton of what `render` gives for a context of the two values and the agency, or None when
    the templates do more with them than print them (see the module)."""
    try:
        first, second = (render({**tokens, "agency": _AgencyUnused()}) for tokens in _TOKENS)
    except Exception:  # any failure with tokens: the real values take the usual path, and its error
        return None
    if not _plain(first, set()):
        return None
    names = {token: name for tokens in _TOKENS for name, token in tokens.items()}
    skeleton = Skeleton(first, re.compile(f"({'|'.join(map(re.escape, _TOKENS[0].values()))})"), names)
    swapped = skeleton.fill(_TOKENS[1])
    if swapped is None or not _same(swapped, second):
        return None
    return skeleton


def _strings(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [s for key, value in node.items() for s in (*_strings(key), *_strings(value))]
    if isinstance(node, list):
        return [s for item in node for s in _strings(item)]
    return [node] if isinstance(node, str) else []


def _plain(node: Any, seen: set[int]) -> bool:
    """Only dicts, lists and plain scalars, no container twice (YAML aliases share one object)."""
    if type(node) in (dict, list):
        if id(node) in seen:
            return False
        seen.add(id(node))
        if type(node) is dict:
            return all(type(k) in _SCALARS and _plain(v, seen) for k, v in node.items())
        return all(_plain(item, seen) for item in node)
    return type(node) in _SCALARS


def _copy(node: Any, replaced: dict[str, str]) -> Any:
    if type(node) is dict:
        return {
            (replaced.get(key, key) if type(key) is str else key): _copy(value, replaced)
            for key, value in node.items()
        }
    if type(node) is list:
        return [_copy(item, replaced) for item in node]
    if type(node) is str:
        return replaced.get(node, node)
    return node


def _same(one: Any, other: Any) -> bool:
    """Equal, with the same types (True is not 1) and the same key order."""
    if type(one) is not type(other):
        return False
    if type(one) is dict:
        return list(one) == list(other) and all(
            _same(k1, k2) and _same(one[k1], other[k2]) for k1, k2 in zip(one, other, strict=True)
        )
    if type(one) is list:
        return len(one) == len(other) and all(_same(a, b) for a, b in zip(one, other, strict=True))
    return bool(one == other)
