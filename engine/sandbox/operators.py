"""Binary and augmented operators of sandboxed scripts, checked before C computes them."""

from __future__ import annotations

import math
import operator
from typing import Any

from engine.sandbox.containers import add_all, bounded, update_dict
from engine.sandbox.guards import (
    MAX_INT_BITS,
    MAX_ITEMS,
    MAX_SIZE,
    VIEWS,
    ScriptFailed,
    charged,
    check_formattable,
    check_tuple,
    current,
    too_large,
    too_many,
)
from engine.sandbox.policy import percent_format_problem

_SETS = (set, frozenset, *VIEWS)  # what |, ^, & and - hash item by item
_SET_OPERATORS = frozenset({"|", "^", "&", "-"})


def _sized(size: int, seq: object) -> None:
    if isinstance(seq, str):
        if size > MAX_SIZE:
            raise too_large(size, "characters")
    elif size > MAX_ITEMS:
        raise too_many(f"a {type(seq).__name__}")


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


def _symmetric(target: set[Any], other: Any) -> set[Any]:
    for item in set(other):  # `other` is bounded, so this set is small
        if item in target:
            target.discard(item)
        elif len(target) >= MAX_ITEMS:
            raise too_many("a set")
        else:
            target.add(item)
    return target


def _hashed(op: str, a: Any, b: Any) -> Any:
    """|, ^, & and - of sets, dict views or dicts, never building a set or dict past the limit."""
    if op == "|" and isinstance(a, dict) and isinstance(b, dict):
        merged = dict(bounded(a, MAX_ITEMS, "a dict"))
        update_dict(merged, b)
        return merged
    # Both sides bounded: a lookup of a colliding key costs up to MAX_ITEMS probes.
    a, b = bounded(a, MAX_ITEMS, "a set"), bounded(b, MAX_ITEMS, "a set")
    if op in ("|", "^") and len(a) + len(b) > MAX_ITEMS:  # may pass the limit: item by item
        members = set(a)
        return add_all(members, b) if op == "|" else _symmetric(members, b)
    return _BINARY[op](a, b)


def _finish(a: Any, result: Any, before: int) -> Any:
    if isinstance(result, tuple):
        check_tuple(result)
    if result is a and before >= 0:
        current().charge(16 * max(len(a) - before, 0))  # in-place growth: charge what was added
        return result
    return charged(result)


def guarded_binop(op: str, a: Any, b: Any) -> Any:
    """`_binop_`: every binary operator; sizes and container limits are checked first."""
    if op in _SET_OPERATORS and (isinstance(a, _SETS) or isinstance(b, _SETS)
                                 or isinstance(a, dict) and isinstance(b, dict)):
        return charged(_hashed(op, a, b))
    check_arithmetic(op, a, b)
    return _finish(a, _BINARY[op](a, b), -1)


def guarded_inplacevar(op: str, a: Any, b: Any) -> Any:
    """`_inplacevar_`: augmented assignment (`x += y`), checked like the binary operator."""
    if op == "|=" and isinstance(a, dict):
        update_dict(a, b)
        return a
    if isinstance(a, set) and isinstance(b, set | frozenset) and op in ("|=", "^=", "&=", "-="):
        if op == "|=":
            return add_all(a, b)
        if op == "^=":
            return _symmetric(a, bounded(b, MAX_ITEMS, "a set"))
        return _INPLACE[op](a, bounded(b, MAX_ITEMS, "a set"))
    if op[:-1] in _SET_OPERATORS and (isinstance(a, _SETS) or isinstance(b, _SETS)):
        return charged(_hashed(op[:-1], a, b))
    if op == "+=" and isinstance(a, list):
        b = bounded(b, MAX_ITEMS - len(a), "a list")  # `x += any iterable` extends in C
    check_arithmetic(op[:-1], a, b)
    before = len(a) if isinstance(a, list) else -1
    return _finish(a, _INPLACE[op](a, b), before)
