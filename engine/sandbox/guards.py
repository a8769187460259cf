"""Runtime guards for sandboxed scripts: per-run budget, bounded operations, guarded access."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from decimal import Decimal
from itertools import chain
from typing import Any, NoReturn

from engine.sandbox.policy import MAX_ITEMS

MAX_SIZE = 1_000_000  # characters one operation may produce (items: MAX_ITEMS)
MAX_WEIGHT = 2 * MAX_SIZE  # nodes plus characters a comparison or str() may walk
MAX_INT_BITS = 100_000  # size of any int built by *, ** or <<
MAX_ALLOC = 64 * 1024 * 1024  # rough bytes one run may allocate through guarded operations
MAX_DEPTH = 100  # nesting of containers (C's tuple hash has no recursion guard)
# Calls and generator steps nested at once; each may re-enter C (sorted(key=f): ~6 KB of stack).
MAX_NESTING = 64  # so a run stays within 512 KB thread stacks, far below Python's own limit
MAX_EXPONENT = 10_000  # keeps int(d) and f"{d:f}" small
KEY_TYPES = (str, int, float, bool, type(None))  # what json.dumps accepts as dict keys
Types = tuple[type, ...]
VIEWS: Types = (type({}.keys()), type({}.values()), type({}.items()))
_NESTED = (list, tuple, set, dict, BaseException, *VIEWS)  # what measure() descends into
_CONTAINERS = frozenset({list, tuple, dict, set})  # what the container limit applies to
_PLAIN = frozenset({str, int, float, bool, type(None), Decimal})  # compared and formatted cheaply
_DONE = object()


class ScriptFailed(Exception):
    """Runtime failure inside the sandbox; `reason` says why in plain words."""

    def __init__(self, reason: str, lineno: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.lineno = lineno


class Budget:
    """Time and allocation allowance of one evaluation; once exhausted it stays exhausted."""

    __slots__ = ("allocated", "deadline", "depth", "failure", "time_limit")

    def __init__(self, time_limit: float) -> None:
        self.time_limit = time_limit
        self.deadline = time.monotonic() + time_limit
        self.allocated = self.depth = 0
        self.failure: str | None = None

    def fail(self, reason: str) -> NoReturn:
        """Record a sticky failure so a script that catches it cannot keep running."""
        self.failure = reason
        raise ScriptFailed(reason)

    def tick(self) -> None:
        """Stop the script once it is past its deadline (or already failed)."""
        if self.failure is not None:
            raise ScriptFailed(self.failure)
        if time.monotonic() > self.deadline:
            self.fail(f"script exceeded its time limit of {self.time_limit} s")

    def enter(self) -> None:
        """Count one more nested call or generator step (leave with `depth -= 1`)."""
        if self.depth >= MAX_NESTING:
            raise ScriptFailed(f"recursion too deep (more than {MAX_NESTING} nested calls)")
        self.depth += 1

    def charge(self, nbytes: int) -> None:
        """Count memory a guarded operation allocated."""
        self.tick()
        self.allocated += nbytes
        if self.allocated > MAX_ALLOC:
            self.fail(f"script allocated too much memory (more than {MAX_ALLOC >> 20} MB)")


# A context variable, not a global: web threads and workers evaluate concurrently.
BUDGET: ContextVar[Budget | None] = ContextVar("keyflow_sandbox_budget", default=None)
_SLOT_BYTES: dict[type, int] = {str: 1, list: 16, tuple: 16, dict: 64, set: 64}


def current() -> Budget:
    """Return the budget of the running evaluation."""
    found = BUDGET.get()
    if found is None:
        raise ScriptFailed("sandboxed code ran outside an evaluation")
    return found


def too_large(size: int, unit: str) -> ScriptFailed:
    """Build the standard size-limit failure."""
    return ScriptFailed(f"result too large: {size} {unit}")


def too_many(what: str) -> ScriptFailed:
    """Build the container-limit failure (`what` is e.g. "a list")."""
    return ScriptFailed(f"container limit: {what} would hold more than {MAX_ITEMS} items")


def size_of(ob: Any) -> int:
    """Estimate the bytes a fresh value occupies (strings and containers only)."""
    return _SLOT_BYTES[type(ob)] * len(ob) if type(ob) in _SLOT_BYTES else 0


def charged(result: Any) -> Any:
    """Charge the size of a freshly built value and hold it to the container limit."""
    kind = type(result)
    if kind in _SLOT_BYTES:
        if kind in _CONTAINERS and len(result) > MAX_ITEMS:
            raise too_many(f"a {kind.__name__}")
        current().charge(size_of(result))
    return result


def measure(
    ob: object, limit: int = MAX_WEIGHT, what: str = "value",
    allowed: Types = (), descend: Types = _NESTED, max_keys: int = 0,
) -> int:
    """Count nodes and characters of a value, aliases included; fail past `limit`, MAX_DEPTH
    or (given `max_keys`) at a dict or set with more keys."""
    # Iterative (values may nest deeper than the recursion limit) and linear in the distinct
    # containers: one met again adds the weight and height it was found to have, so aliased
    # structures (`a = [a, a]` forty times) count in full without being walked in full.
    # `allowed` also checks types, for task data.
    if allowed and not isinstance(ob, allowed):
        raise ScriptFailed(f"{what} holds a {type(ob).__name__}, which is not storable data")
    if not isinstance(ob, descend):
        return 1 + len(ob) if isinstance(ob, str) else 1
    budget, total, pushed = BUDGET.get(), 1, 1
    # id -> (weight, height, the container itself: held, so its id is not reused meanwhile)
    known: dict[int, tuple[int, int, object]] = {}
    # Frames: [container, its remaining children, their depth, total before it, its height].
    frames: list[list[Any]] = [[ob, _children(ob, what, allowed, max_keys), 1, 0, 0]]
    while frames:
        frame = frames[-1]
        depth = frame[2]
        for child in frame[1]:  # a `break` descends; the iterator resumes here afterwards
            if allowed and not isinstance(child, allowed):
                kind = type(child).__name__
                raise ScriptFailed(f"{what} holds a {kind}, which is not storable data")
            if isinstance(child, str):
                total += 1 + len(child)
            elif isinstance(child, descend):
                seen = known.get(id(child))
                if seen is None:
                    if depth >= MAX_DEPTH:
                        raise ScriptFailed(f"{what} is nested too deeply (over {MAX_DEPTH} levels)")
                    iterator = _children(child, what, allowed, max_keys)
                    frames.append([child, iterator, depth + 1, total, 0])
                    total += 1
                    break
                if depth + seen[1] > MAX_DEPTH:
                    raise ScriptFailed(f"{what} is nested too deeply (over {MAX_DEPTH} levels)")
                total += seen[0]
                frame[4] = max(frame[4], seen[1])
            else:
                total += 1
            if total > limit:
                break
        else:
            frames.pop()
            height = frame[4] + 1
            known[id(frame[0])] = (total - frame[3], height, frame[0])
            if frames:
                frames[-1][4] = max(frames[-1][4], height)
            continue
        if total > limit:
            raise ScriptFailed(f"{what} too large (more than {limit} items and characters)")
        pushed += 1
        if budget is not None and pushed & 0x3F == 0:
            budget.tick()
    return total


def _children(ob: Any, what: str, allowed: Types, max_keys: int) -> Iterator[Any]:
    if isinstance(ob, BaseException):
        return iter(ob.args)
    if max_keys and isinstance(ob, dict | set) and len(ob) > max_keys:
        raise ScriptFailed(f"container limit: {what} holds a {type(ob).__name__} of more than "
                           f"{max_keys} items")
    if isinstance(ob, dict):
        if allowed and not all(isinstance(k, KEY_TYPES) for k in ob):
            raise ScriptFailed(f"{what} has a dict key that is not text or a number")
        return chain(ob.keys(), ob.values())
    return iter(ob)


def check_tuple(value: tuple[Any, ...]) -> tuple[Any, ...]:
    """Keep every tuple small and shallow, so hashing it is bounded and cannot crash C."""
    if len(value) > MAX_ITEMS:
        raise too_many("a tuple")
    if any(type(x) is tuple for x in value):
        measure(value, MAX_SIZE, "tuple", descend=(tuple,))  # only tuples are hashed deeply
    return value


def check_formattable(value: object) -> None:
    """Make sure str()/repr()/format() of a value stays small, Decimal exponents included."""
    measure(value)
    parts = value.values() if isinstance(value, dict) else value if isinstance(value, tuple) else ()
    for part in (value, *parts):
        if isinstance(part, Decimal) and part.is_finite() and abs(part.adjusted()) > MAX_EXPONENT:
            raise ScriptFailed(f"decimal exponent out of range (limit {MAX_EXPONENT})")


def tick() -> None:
    """`_tick_`: injected at the top of every loop body."""
    current().tick()


def guarded_iter(ob: Iterable[Any], cost: int = 0) -> Iterator[Any]:
    """`_getiter_`, and with a cost `_compiter_` (comprehensions): tick and charge per item."""
    budget, items = current(), iter(ob)
    while True:
        budget.charge(cost)
        budget.enter()  # a chain of generators re-enters C once per link
        try:
            item = next(items, _DONE)
        finally:
            budget.depth -= 1
        if item is _DONE:
            return
        yield item


def guarded_function(func: Callable[..., Any]) -> Callable[..., Any]:
    """`_fn_`: wraps every script function and lambda; each call ticks and counts as nesting."""
    def call(*args: Any, **kwargs: Any) -> Any:
        budget = current()
        budget.tick()
        budget.enter()
        try:
            return func(*args, **kwargs)
        finally:
            budget.depth -= 1

    return call


def guarded_getitem(ob: Any, index: Any) -> Any:
    """`_getitem_`: plain indexing; slices are charged as the copies they are."""
    result = ob[index]
    return charged(result) if isinstance(index, slice) else result


def compare_operand(ob: Any) -> Any:
    """`_cmp_`: measure containers before a comparison walks them in C."""
    if type(ob) not in _PLAIN:
        measure(ob)
    return ob


def membership_operand(ob: Any) -> Any:
    """`_cmp_in_`: the right side of `in`; dicts, sets and strings need no walk."""
    return ob if type(ob) in (dict, set, str, range) else compare_operand(ob)


def format_value(ob: Any) -> Any:
    """`_fmt_`: measure a value before an f-string turns it into text."""
    if type(ob) not in _PLAIN or isinstance(ob, Decimal):
        check_formattable(ob)
    current().charge(size_of(ob) or 32)
    return ob


def literal(ob: Any) -> Any:
    """`_lit_`: charge a display built by the script; tuples must stay shallow."""
    if isinstance(ob, tuple):
        check_tuple(ob)
    return charged(ob)


def guarded_apply(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """`_apply_`: calls with *args/**kwargs; the argument tuple obeys the tuple limits."""
    check_tuple(args)
    if len(kwargs) > MAX_ITEMS:
        raise too_many("a call's keyword arguments")
    current().charge(size_of(args) + size_of(kwargs))
    return func(*args, **kwargs)
