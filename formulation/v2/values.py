"""Run-time values of the v2 compile-time language and the small operations every stage shares on them.

Why a module of its own: the interpreter (which computes values), the declarations (which turn values into
sets, parameters and variable bounds) and the model evaluator (which subscripts variables with them) must agree
on what an *element* is, how a key is looked up in data, and how an index is written in a generated name.

Contract:

* Values are plain Python objects: ``int``, ``float``, ``str``, ``bool``, ``None`` (JSON null), ``tuple``,
  ``list``, ``dict`` (data and comprehensions), `OrderedSet` (``set(...)``, set literals and comprehensions, which
  keep first-seen order so that compilation is deterministic) and `Lazy` (a generator expression, consumed once).
  Nothing here ever mutates a value.
* An *element* (a member of a set, a part of a variable's index) is a ``str``, an ``int`` or a tuple of elements;
  an integral float such as ``2.0`` denotes the integer ``2``.
* `lookup` implements ``p[i, j]``: a dict keyed by tuples, nested lists/dicts, JSON's string keys reached with
  integers (``"3"`` ↔ ``3``), never Python's negative indices (``inv[t - 1]`` at ``t = 0`` is an error, not the
  last element).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator

from solvers.errors import MilpflowError

__all__ = [
    "Lazy",
    "LookupFailure",
    "OrderedSet",
    "canonical_key",
    "flatten",
    "is_number",
    "label",
    "lookup",
    "normalize_element",
    "type_name",
]

_MAX_TUPLE_DEPTH = 8
"""Deepest tuple nesting an element may have (a tuple of tuples of labels is plenty)."""
_MAX_ELEMENT_PARTS = 32
"""Most parts one element tuple may have (elements are hashed for every lookup)."""


class OrderedSet:
    """An immutable set that iterates in first-seen order (Python's ``set`` of strings does not, run to run)."""

    __slots__ = ("_items",)

    def __init__(self, items: Iterable[object] = ()) -> None:
        self._items: dict[object, None] = dict.fromkeys(items)

    def __iter__(self) -> Iterator[object]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, item: object) -> bool:
        try:
            return item in self._items
        except TypeError:
            return False

    def __eq__(self, other: object) -> bool:
        if isinstance(other, OrderedSet):
            return self._items.keys() == other._items.keys()
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable-looking containers are never keys

    def __repr__(self) -> str:
        return "{" + ", ".join(repr(v) for v in self._items) + "}" if self._items else "set()"


class Lazy:
    """A generator expression's values, produced on demand (each iteration is charged by the interpreter)."""

    __slots__ = ("iterator", "used")

    def __init__(self, iterator: Iterator[object]) -> None:
        self.iterator = iterator
        self.used = False

    def __iter__(self) -> Iterator[object]:
        if self.used:
            raise LookupFailure("a generator expression can be used only once; write a list [...] instead")
        self.used = True
        return self.iterator

    def __repr__(self) -> str:
        return "<generator>"


class LookupFailure(MilpflowError):
    """Internal: why a value could not be used; the interpreter adds the fragment and location."""


def is_number(value: object) -> bool:
    """True for ints and floats (booleans count: ``True`` is 1, as in a sum of conditions)."""
    return isinstance(value, int | float)


def type_name(value: object) -> str:
    """The language's name for a value's type, for messages."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, tuple):
        return "tuple"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "dict"
    if isinstance(value, OrderedSet):
        return "set"
    if isinstance(value, range):
        return "range"
    if isinstance(value, Lazy):
        return "generator"
    if value is None:
        return "null"
    return type(value).__name__


def normalize_element(value: object, depth: int = 0) -> object:
    """`value` as a set element (``2.0`` → ``2``), or raise `LookupFailure` saying why it cannot be one."""
    if isinstance(value, bool):
        raise LookupFailure(f"{value} is a boolean, not a label or an integer")
    if isinstance(value, int | str):
        return value
    if isinstance(value, float):
        if math.isfinite(value) and value == int(value):
            return int(value)
        raise LookupFailure(f"{value!r} is not an integer; elements are labels, integers or tuples of those")
    if isinstance(value, tuple | list):
        if depth >= _MAX_TUPLE_DEPTH:
            raise LookupFailure("the element nests tuples too deeply")
        if len(value) > _MAX_ELEMENT_PARTS:
            raise LookupFailure(f"an element tuple may have at most {_MAX_ELEMENT_PARTS} parts")
        return tuple(normalize_element(v, depth + 1) for v in value)
    raise LookupFailure(f"a {type_name(value)} cannot be an element; elements are labels, integers or tuples")


def flatten(key: object) -> tuple[object, ...]:
    """``((1, 2), "a")`` → ``(1, 2, "a")``; a scalar becomes a 1-tuple. Element tuples are shallow (see above)."""
    if not isinstance(key, tuple):
        return (key,)
    out: list[object] = []
    for part in key:
        out.extend(flatten(part)) if isinstance(part, tuple) else out.append(part)
    return tuple(out)


def canonical_key(key: tuple[object, ...]) -> tuple[object, ...]:
    """A flat key with integral floats made integers, so ``x[n / 2]`` finds ``x[2]``."""
    if all(not isinstance(k, float) for k in key):
        return key
    return tuple(int(k) if isinstance(k, float) and math.isfinite(k) and k == int(k) else k for k in key)


def label(key: Iterable[object]) -> str:
    """The bracket content of a generated name: ``(("a", 1), 2)`` → ``a,1,2``."""
    return ",".join(str(part) for part in flatten(tuple(key)))


def _alternatives(key: object) -> list[object]:
    """Other spellings JSON data may use for `key`: ``3`` ↔ ``"3"``, ``2.0`` → ``2``."""
    if isinstance(key, bool):
        return []
    if isinstance(key, int):
        return [str(key)]
    if isinstance(key, float) and math.isfinite(key) and key == int(key):
        return [int(key), str(int(key))]
    if isinstance(key, str):
        stripped = key.strip()
        if stripped.lstrip("-").isdigit() and len(stripped) < 19:
            return [int(stripped)]
    return []


_MISSING = object()


def _dict_get(container: dict[object, object], key: object) -> object:
    try:
        found = container.get(key, _MISSING)
    except TypeError:
        raise LookupFailure(f"{type_name(key)} {_short(key)} cannot be a key") from None
    if found is not _MISSING:
        return found
    for alt in _alternatives(key):
        found = container.get(alt, _MISSING)
        if found is not _MISSING:
            return found
    return _MISSING


def _list_index(container: list[object] | tuple[object, ...], key: object) -> object:
    index: int
    if isinstance(key, bool):
        raise LookupFailure(f"a list is indexed by integer positions, not by {key}")
    if isinstance(key, int):
        index = key
    elif isinstance(key, float) and math.isfinite(key) and key == int(key):
        index = int(key)
    elif isinstance(key, str) and key.strip().isdigit():
        index = int(key)
    else:
        raise LookupFailure(f"a list is indexed by integer positions, not by {type_name(key)} {_short(key)}")
    if index < 0:
        raise LookupFailure(
            f"position {index} is negative (negative positions are not allowed: they would silently wrap around "
            "to the end); restrict the loop, e.g. `if t >= 1`"
        )
    if index >= len(container):
        raise LookupFailure(f"position {index} is out of range for a list of {len(container)} elements "
                            f"(positions 0 to {len(container) - 1})")
    return container[index]


def lookup(container: object, key: object) -> object:
    """``container[key]`` with the language's rules (module docstring); raise `LookupFailure` on a miss.

    A tuple `key` is tried as one dict key first (``d[(i, j)]``), then level by level (``d[i][j]``), then, when the
    container is keyed by nested tuples, flat."""
    if isinstance(container, dict):
        found = _dict_get(container, key)
        if found is not _MISSING:
            return found
        if isinstance(key, tuple) and len(key) > 1:
            first = _dict_get(container, key[0])
            if first is not _MISSING and isinstance(first, dict | list | tuple):
                rest = key[1:] if len(key) > 2 else key[1]
                return lookup(first, rest)
            flat = flatten(key)
            if flat != key:
                found = _dict_get(container, flat)
                if found is not _MISSING:
                    return found
        raise LookupFailure(f"there is no entry {_short(key)}{_sample_keys(container)}")
    if isinstance(container, list | tuple):
        if isinstance(key, tuple):
            if not key:
                raise LookupFailure("an empty index")
            inner = _list_index(container, key[0])
            return inner if len(key) == 1 else lookup(inner, key[1:] if len(key) > 2 else key[1])
        return _list_index(container, key)
    if isinstance(container, str):
        raise LookupFailure("a string cannot be indexed")
    raise LookupFailure(f"a {type_name(container)} cannot be indexed")


def _sample_keys(container: dict[object, object], limit: int = 4) -> str:
    keys = list(container)[:limit]
    if not keys:
        return " (it is empty)"
    more = ", …" if len(container) > limit else ""
    return f"; its keys look like {', '.join(_short(k) for k in keys)}{more}"


def _short(value: object, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
