"""The container limit: no list, tuple, dict or set a script builds holds more than MAX_ITEMS.

Inserting n keys whose hashes collide (ints that differ by a multiple of 2**61 - 1) into a dict
or set costs about n**2 / 2 comparisons inside one C call, where no deadline is checked: 40,000
such keys took over 20 s. So every path that builds or grows a container counts first, or adds
item by item, and stops at MAX_ITEMS. One C call then costs at most about MAX_ITEMS**2 / 2
probes (tens of milliseconds), the time limit holds between calls, and a script that builds
too much is stopped by this count whatever the machine's speed.

The paths: comprehensions (`_collect_`) and displays with `*`/`**` (`_display_`; plain
displays are bounded when compiled, policy.py), item stores (`_write_`), growing methods
(`growth_checked`), unpacking, set and dict operators (operators.py), list(), dict() and
sorted() (helpers.py), every other fresh value (guards.charged), and the data check after a
script (`measure(max_items=MAX_ITEMS)` in script_engine.py).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator
from itertools import chain, islice
from typing import Any, cast

from RestrictedPython.Guards import guarded_unpack_sequence

from engine.sandbox.guards import (
    MAX_ITEMS,
    VIEWS,
    ScriptFailed,
    charged,
    check_tuple,
    current,
    guarded_iter,
    too_many,
)

SIZED = (list, tuple, dict, set, frozenset, str, range, *VIEWS)  # len() is known up front


def bounded(items: Iterable[Any], room: int = MAX_ITEMS, what: str = "a list") -> Collection[Any]:
    """Return `items` if it is sized, else its items as a list; fail past `room` items."""
    if isinstance(items, SIZED):
        if len(cast(Collection[Any], items)) > room:
            raise too_many(what)
        return cast(Collection[Any], items)
    found = list(islice(items, max(room, 0) + 1))
    if len(found) > room:
        raise too_many(what)
    return found


def collect(kind: str, items: Iterable[Any]) -> list[Any] | set[Any] | dict[Any, Any]:
    """`_collect_`: build a comprehension's list, set or dict (from pairs) up to the limit."""
    if kind in ("list", "tuple"):  # a tuple display is collected as a list first
        found = bounded(items, MAX_ITEMS, f"a {kind}")
        return list(found) if found is items else found  # type: ignore[return-value]
    if kind == "set":
        members: set[Any] = set()
        for item in items:
            members.add(item)
            if len(members) > MAX_ITEMS:
                raise too_many("a set")
        return members
    mapping: dict[Any, Any] = {}
    for key, value in items:
        mapping[key] = value
        if len(mapping) > MAX_ITEMS:
            raise too_many("a dict")
    return mapping


def display(kind: str, *parts: Any) -> Any:
    """`_display_`: `[a, *b]`, `(*b,)`, `{*b}` or `{**m, k: v}`, built within the limit."""
    if kind == "dict":
        mapping: dict[Any, Any] = {}
        for part in parts:
            if not isinstance(part, dict):
                raise TypeError(f"'{type(part).__name__}' object is not a mapping")
            update_dict(mapping, part)
        return charged(mapping)
    built = collect(kind, chain.from_iterable(parts))
    return charged(check_tuple(tuple(built)) if kind == "tuple" else built)


def update_dict(target: dict[Any, Any], *args: Any, **kwargs: Any) -> None:
    """`dict.update` that never lets `target` pass the limit (also dict(), `|`, `{**m}`)."""
    if len(args) > 1:
        raise TypeError(f"update expected at most 1 argument, got {len(args)}")
    for source in (*args, kwargs):
        pairs: Any = source.items() if isinstance(source, dict) else source
        pairs = bounded(pairs, MAX_ITEMS, "a dict")
        if len(target) + len(pairs) <= MAX_ITEMS:
            target.update(source if isinstance(source, dict) else pairs)
            continue
        for key, value in pairs:  # one by one: keys already present do not count twice
            if len(target) >= MAX_ITEMS and key not in target:
                raise too_many("a dict")
            target[key] = value


def add_all(target: set[Any], items: Iterable[Any]) -> set[Any]:
    """`target |= items` that never lets the set pass the limit."""
    items = bounded(items, MAX_ITEMS, "a set")
    if len(target) + len(items) <= MAX_ITEMS:
        target.update(items)
        return target
    for item in items:
        if len(target) >= MAX_ITEMS and item not in target:
            raise too_many("a set")
        target.add(item)
    return target


class ItemStore:
    """What `_write_` hands out for a list or a full dict: stores that stay within the limit."""

    __slots__ = ("target",)
    target: list[Any] | dict[Any, Any]

    def __init__(self, target: list[Any] | dict[Any, Any]) -> None:
        object.__setattr__(self, "target", target)

    def __setitem__(self, key: Any, value: Any) -> None:
        target = self.target
        if isinstance(target, dict):
            if len(target) >= MAX_ITEMS and key not in target:
                raise too_many("a dict")
        elif isinstance(key, slice):  # `x[a:b] = items` may grow the list
            value = list(bounded(value, MAX_ITEMS, "a list"))
            kept = len(target) - len(range(*key.indices(len(target))))
            if kept + len(value) > MAX_ITEMS:
                raise too_many("a list")
        target[key] = value

    def __delitem__(self, key: Any) -> None:
        del self.target[key]

    def __setattr__(self, name: str, value: Any) -> None:
        raise ScriptFailed(f"cannot assign attributes of a {type(self.target).__name__}")

    def __delattr__(self, name: str) -> None:
        raise ScriptFailed(f"cannot delete attributes of a {type(self.target).__name__}")


def guarded_write(ob: Any) -> Any:
    """`_write_`: only lists and dicts may be changed in place; each store is charged."""
    if not isinstance(ob, list | dict):
        raise ScriptFailed(f"cannot assign items or attributes of a {type(ob).__name__}")
    current().charge(64)
    # Plain dict stores (the common case) need no wrapper until the dict is full.
    return ItemStore(ob) if isinstance(ob, list) or len(ob) >= MAX_ITEMS else ob


_ADD_ONE = frozenset({"append", "insert", "add", "setdefault"})
_TAKES_OTHERS = frozenset({"difference", "intersection", "isdisjoint", "issubset", "issuperset"})


def growth_checked(receiver: Any, name: str, method: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a list, dict or set method that may grow its receiver so it stays within the limit."""
    kind = "a " + next(t.__name__ for t in type(receiver).__mro__ if t in (list, dict, set))
    if name in _ADD_ONE:
        def add_one(*args: Any, **kwargs: Any) -> Any:
            full = len(receiver) >= MAX_ITEMS
            if full and (isinstance(receiver, list) or (args and args[0] not in receiver)):
                raise too_many(kind)
            return method(*args, **kwargs)

        return add_one
    if name == "extend":
        return lambda items: method(bounded(items, MAX_ITEMS - len(receiver), kind))
    if name == "update":
        return lambda *args, **kwargs: update_dict(receiver, *args, **kwargs)
    if name in _TAKES_OTHERS:  # each lookup may cost MAX_ITEMS probes, so bound the others too
        return lambda *others: method(*(bounded(o, MAX_ITEMS, f"{name}()'s argument")
                                        for o in others))
    return method


def _bounded_iter(ob: Any) -> Iterator[Any]:
    return guarded_iter(bounded(ob, MAX_ITEMS, "an unpacked sequence"))


def unpack_sequence(it: Any, spec: dict[str, Any], _getiter: Any) -> list[Any]:
    """`_unpack_sequence_`: `a, *rest = value`, whose lists obey the limit."""
    return guarded_unpack_sequence(it, spec, _bounded_iter)


def iter_unpack_sequence(it: Any, spec: dict[str, Any], _getiter: Any) -> Iterator[list[Any]]:
    """`_iter_unpack_sequence_`: `for a, *rest in rows`; the loop itself is not limited."""
    for ob in guarded_iter(it):
        yield unpack_sequence(ob, spec, _getiter)
