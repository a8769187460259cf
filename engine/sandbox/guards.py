"""Runtime guards for sandboxed scripts: per-run budget, bounded operations, guarded access."""

from __future__ import annotations

import math
import operator
import time
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from decimal import Decimal
from typing import Any, NoReturn

from engine.sandbox.policy import percent_format_problem

MAX_SIZE = 1_000_000  # characters or items one operation may produce
MAX_WEIGHT = 2 * MAX_SIZE  # nodes plus characters a comparison or str() may walk
MAX_INT_BITS = 100_000  # size of any int built by *, ** or <<
MAX_ALLOC = 64 * 1024 * 1024  # rough bytes one run may allocate through guarded operations
MAX_DEPTH = 100  # nesting of containers (C's tuple hash has no recursion guard)
# Calls and generator steps nested at once; each may re-enter C (sorted(key=f): ~6 KB of stack).
MAX_NESTING = 64  # so a run stays within 512 KB thread stacks, far below Python's own limit
MAX_EXPONENT = 10_000  # keeps int(d) and f"{d:f}" small
KEY_TYPES = (str, int, float, bool, type(None))  # what json.dumps accepts as dict keys
Types = tuple[type, ...]
_VIEWS: Types = (type({}.keys()), type({}.values()), type({}.items()))
_NESTED = (list, tuple, set, dict, BaseException, *_VIEWS)  # what measure() descends into
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


def size_of(ob: Any) -> int:
    """Estimate the bytes a fresh value occupies (strings and containers only)."""
    return _SLOT_BYTES[type(ob)] * len(ob) if type(ob) in _SLOT_BYTES else 0


def charged(result: Any) -> Any:
    """Charge the size of a freshly built value and return it."""
    if type(result) in _SLOT_BYTES:
        current().charge(size_of(result))
    return result


def measure(
    ob: object, limit: int = MAX_WEIGHT, what: str = "value",
    allowed: Types = (), descend: Types = _NESTED,
) -> int:
    """Count nodes and characters of a value, aliases included; fail past `limit` or MAX_DEPTH."""
    # Iterative (values may nest deeper than the recursion limit); the stack holds containers
    # already counted, so it never outgrows `limit`. `allowed` also checks types, for task data.
    budget, total, visits = BUDGET.get(), 0, 0
    stack: list[tuple[Iterable[Any], int]] = [((ob,), 0)]
    while stack:
        children, depth = stack.pop()
        for child in children:
            total += 1
            if allowed and not isinstance(child, allowed):
                kind = type(child).__name__
                raise ScriptFailed(f"{what} holds a {kind}, which is not storable data")
            if isinstance(child, str):
                total += len(child)
            elif isinstance(child, descend):
                if depth >= MAX_DEPTH:
                    raise ScriptFailed(f"{what} is nested too deeply (over {MAX_DEPTH} levels)")
                if isinstance(child, dict):
                    if allowed and not all(isinstance(k, KEY_TYPES) for k in child):
                        raise ScriptFailed(f"{what} has a dict key that is not text or a number")
                    stack.append((child.values(), depth + 1))
                    child = child.keys()
                stack.append((child.args if isinstance(child, BaseException) else child, depth + 1))
            if total > limit:
                raise ScriptFailed(f"{what} too large (more than {limit} items and characters)")
        visits += 1
        if budget is not None and visits & 0x3F == 0:
            budget.tick()
    return total


def check_tuple(value: tuple[Any, ...]) -> tuple[Any, ...]:
    """Keep every tuple small and shallow, so hashing it is bounded and cannot crash C."""
    if any(type(x) is tuple for x in value) or len(value) > MAX_SIZE:
        measure(value, MAX_SIZE, "tuple", descend=(tuple,))  # only tuples are hashed deeply
    return value


def check_formattable(value: object) -> None:
    """Make sure str()/repr()/format() of a value stays small, Decimal exponents included."""
    measure(value)
    parts = value.values() if isinstance(value, dict) else value if isinstance(value, tuple) else ()
    for part in (value, *parts):
        if isinstance(part, Decimal) and part.is_finite() and abs(part.adjusted()) > MAX_EXPONENT:
            raise ScriptFailed(f"decimal exponent out of range (limit {MAX_EXPONENT})")


def _sized(size: int, seq: object) -> None:
    if size > MAX_SIZE:
        raise too_large(size, "characters" if isinstance(seq, str) else "items")


def _int_bits(bits: int) -> None:
    if bits > MAX_INT_BITS:
        raise ScriptFailed(f"result too large: about {bits} bits")


def check_arithmetic(op: str, a: object, b: object) -> None:
    """Refuse +, *, **, << or % whose result would pass the size limits, before computing it."""
    if op == "+" and isinstance(a, str | list | tuple) and isinstance(b, str | list | tuple):
        _sized(len(a) + len(b), a)
    elif op == "*" and isinstance(a, int) and isinstance(b, int):
        _int_bits(a.bit_length() + b.bit_length())
    elif op == "*":
        seq, count = (a, b) if isinstance(b, int) else (b, a)
        if isinstance(seq, str | list | tuple) and isinstance(count, int):
            _sized(len(seq) * max(count, 0), seq)
    elif op == "**" and isinstance(a, int) and isinstance(b, int) and b > 0 and abs(a) > 1:
        _int_bits(int(math.log2(abs(a)) * b) + 1)
    elif op == "<<" and isinstance(a, int) and isinstance(b, int) and a and b > 0:
        _int_bits(a.bit_length() + b)
    elif op == "%" and isinstance(a, str):
        problem = percent_format_problem(a)
        if problem:
            raise ScriptFailed(problem)
        check_formattable(b)


_OPERATORS = {
    **{"+": "add", "*": "mul", "**": "pow", "<<": "lshift", "%": "mod", "-": "sub"},
    **{"/": "truediv", "//": "floordiv", ">>": "rshift", "|": "or_", "^": "xor", "&": "and_"},
    "@": "matmul",
}
_BINARY = {sym: getattr(operator, name) for sym, name in _OPERATORS.items()}
_INPLACE = {sym + "=": getattr(operator, "i" + op.rstrip("_")) for sym, op in _OPERATORS.items()}


def _finish(a: Any, result: Any, before: int) -> Any:
    if isinstance(result, tuple):
        check_tuple(result)
    if result is a and before >= 0:
        current().charge(16 * max(len(a) - before, 0))  # in-place growth: charge what was added
        return result
    return charged(result)


def guarded_binop(op: str, a: Any, b: Any) -> Any:
    """`_binop_`: every binary operator; +, *, **, << and % are size-checked first."""
    check_arithmetic(op, a, b)
    return _finish(a, _BINARY[op](a, b), -1)


def guarded_inplacevar(op: str, a: Any, b: Any) -> Any:
    """`_inplacevar_`: augmented assignment (`x += y`), checked like the binary operator."""
    check_arithmetic(op[:-1], a, b)
    before = len(a) if isinstance(a, list) else -1
    return _finish(a, _INPLACE[op](a, b), before)


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


def guarded_write(ob: Any) -> Any:
    """`_write_`: only lists and dicts may be changed in place, and each store is charged."""
    if not isinstance(ob, list | dict):
        raise ScriptFailed(f"cannot assign items or attributes of a {type(ob).__name__}")
    current().charge(64)
    return ob


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
    current().charge(size_of(args) + size_of(kwargs))
    return func(*args, **kwargs)
