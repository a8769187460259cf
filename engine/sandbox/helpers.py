"""What scripts can reach: the helper names, and per type the attributes and methods allowed."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Context, Decimal, DivisionByZero, InvalidOperation, Overflow
from functools import partial
from itertools import islice
from typing import Any

from engine.sandbox import guards
from engine.sandbox.containers import bounded, growth_checked, update_dict
from engine.sandbox.guards import (
    MAX_ITEMS,
    MAX_SIZE,
    ScriptFailed,
    charged,
    check_tuple,
    measure,
    too_large,
    too_many,
)
from engine.sandbox.policy import MAX_FORMAT_WIDTH

# Decimal arithmetic runs under this context: small exponents keep int(d) and f"{d:f}" small.
_EXPONENT, _TRAPS = guards.MAX_EXPONENT, [InvalidOperation, DivisionByZero, Overflow]
DECIMAL_CONTEXT = Context(prec=28, Emax=_EXPONENT, Emin=-_EXPONENT, traps=_TRAPS)
_DURATION = re.compile(
    r"P(?:(?P<weeks>\d+(?:\.\d+)?)W)?(?:(?P<days>\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(?P<hours>\d+(?:\.\d+)?)H)?(?:(?P<minutes>\d+(?:\.\d+)?)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?"
)


def _short_text(text: object, what: str) -> str:
    if not isinstance(text, str):
        raise TypeError(f"{what} needs text, not {type(text).__name__}")
    if len(text) > 64:
        raise ValueError(f"text too long for {what}")
    return text.strip()


def parse_date(text: str) -> date:
    """Parse an ISO date such as '2024-05-31'."""
    return date.fromisoformat(_short_text(text, "parse_date()"))


def parse_datetime(text: str) -> datetime:
    """Parse an ISO date-time; naive values count as UTC; the result is aware UTC."""
    value = datetime.fromisoformat(_short_text(text, "parse_datetime()"))
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def duration(text: str) -> timedelta:
    """Turn an ISO 8601 duration (P3D, PT4H, P1DT2H, P2W) into a timedelta."""
    text = _short_text(text, "duration()").upper()
    if re.search(r"\d[YM]", text.split("T", 1)[0]):
        raise ValueError("durations in months or years have no fixed length; use days (e.g. P30D)")
    match = _DURATION.fullmatch(text)
    if match is None or text.endswith(("P", "T")):
        raise ValueError(f"not an ISO 8601 duration: {text!r}")
    return timedelta(**{unit: float(n) for unit, n in match.groupdict().items() if n})


def add_days(day: date, days: float) -> date:
    """Return `day` (a date or datetime) moved by `days` days."""
    if not isinstance(day, date):
        raise TypeError("add_days() needs a date or datetime")
    return day + timedelta(days=days)


def make_decimal(value: Any = "0") -> Decimal:
    """`Decimal(...)`: built under the sandbox's decimal context (28 digits, bounded exponent)."""
    if isinstance(value, str) and len(value) > 1000:
        raise too_large(len(value), "characters")
    return DECIMAL_CONTEXT.create_decimal(value)


def bounded_range(*args: int) -> range:
    """`range(...)` of at most MAX_SIZE items."""
    span = range(*args)
    length = (span.stop - span.start + span.step - (1 if span.step > 0 else -1)) // span.step
    if length > MAX_SIZE:
        raise ScriptFailed(f"range too large: {length} items")
    return span


def safe_int(value: Any = 0, *base: int) -> int:
    """`int(...)` whose result stays below guards.MAX_INT_BITS bits."""
    guards.check_formattable(value)  # refuses Decimals with huge exponents before converting
    result = int(value, *base)
    if result.bit_length() > guards.MAX_INT_BITS:
        raise too_large(result.bit_length(), "bits")
    return result


def safe_round(number: Any, ndigits: int | None = None) -> Any:
    """`round(...)` with at most 100 digits either way (round(5, -10**9) would hang)."""
    if ndigits is None:
        guards.check_formattable(number)
        return round(number)
    if not isinstance(ndigits, int) or abs(ndigits) > 100:
        raise ScriptFailed("round() digits must be a whole number between -100 and 100")
    return round(number, ndigits)


def safe_str(value: Any = "") -> str:
    """`str(...)` of a value small enough to render."""
    guards.check_formattable(value)
    text = str(value)
    charged(text)
    return text


def safe_list(iterable: Iterable[Any] = ()) -> list[Any]:
    """`list(...)` of at most MAX_ITEMS items, charged."""
    items = list(bounded(iterable, MAX_ITEMS, "a list"))
    charged(items)
    return items


def safe_dict(*args: Any, **kwargs: Any) -> dict[Any, Any]:
    """`dict(...)` of at most MAX_ITEMS items, charged."""
    mapping: dict[Any, Any] = {}
    update_dict(mapping, *args, **kwargs)
    charged(mapping)
    return mapping


def _keyed(key: Callable[[Any], Any] | None) -> Callable[[Any], Any] | None:
    # Sort keys are compared in C too, so whatever a key function returns is measured.
    return None if key is None else (lambda item: guards.compare_operand(key(item)))


def safe_sorted(iterable: Iterable[Any], *, key: Any = None, reverse: bool = False) -> list[Any]:
    """`sorted(...)` of a list small enough to compare."""
    items = safe_list(iterable)
    measure(items)
    items.sort(key=_keyed(key), reverse=reverse)
    return items


def _extreme(pick: Callable[..., Any]) -> Callable[..., Any]:
    def choose(*args: Any, key: Any = None, **kwargs: Any) -> Any:
        # Only compares, builds nothing the script sees: any number of items, all measured.
        items = list(args[0] if len(args) == 1 else args)
        guards.current().charge(16 * len(items))
        measure(items)
        return pick(items, key=_keyed(key), **kwargs)

    return choose


def safe_sum(iterable: Iterable[Any], start: Any = 0) -> Any:
    """`sum(...)` of numbers only (summing lists would copy quadratically)."""
    if not isinstance(start, int | float | Decimal | timedelta):
        raise ScriptFailed("sum() adds numbers only")
    return sum(iterable, start)


def safe_zip(*iterables: Iterable[Any], strict: bool = False) -> Iterator[tuple[Any, ...]]:
    """`zip(...)` whose tuples obey the tuple limits."""
    # Pulled through guarded_iter: `x in zip(...)` iterates in C, and zips can be chained.
    for items in guards.guarded_iter(zip(*iterables, strict=strict)):
        yield check_tuple(items)


def safe_enumerate(iterable: Iterable[Any], start: int = 0) -> Iterator[tuple[int, Any]]:
    """`enumerate(...)` whose pairs obey the tuple limits."""
    for pair in guards.guarded_iter(enumerate(iterable, start)):
        yield check_tuple(pair)


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


_DATE = _names("year month day isoformat weekday isoweekday isocalendar replace strftime toordinal")
ATTRIBUTES: dict[type, frozenset[str]] = {
    str: _names(
        "capitalize casefold center count endswith find index isalnum isalpha isdecimal isdigit "
        "islower isnumeric isspace istitle isupper join ljust lower lstrip partition removeprefix "
        "removesuffix replace rfind rindex rjust rpartition rsplit rstrip split splitlines "
        "startswith strip swapcase title upper zfill"
    ),
    list: _names("append clear copy count extend index insert pop remove reverse sort"),
    dict: _names("clear copy get items keys pop popitem setdefault update values"),
    tuple: _names("count index"),
    set: _names("add clear copy difference discard intersection isdisjoint issubset issuperset"),
    int: _names("bit_length"),
    float: _names("is_integer"),
    Decimal: _names("adjusted copy_abs is_nan is_signed is_zero normalize quantize"),
    date: _DATE,
    datetime: _DATE | _names("hour minute second microsecond tzinfo date timestamp astimezone"),
    timedelta: _names("days seconds microseconds total_seconds"),
    range: _names("start stop step count index"),
    type(date(2000, 1, 1).isocalendar()): _names("year week weekday"),
}
CLASS_ATTRIBUTES: dict[type, frozenset[str]] = {
    datetime: _names("fromisoformat"),
    date: _names("fromisoformat"),
}
_RETURNS_EXISTING = _names("get pop popitem setdefault")  # results already belong to the script


def _join(sep: str, iterable: Iterable[Any]) -> str:
    items = iterable if isinstance(iterable, list | tuple) else list(islice(iterable, MAX_SIZE + 1))
    if len(items) > MAX_SIZE:
        raise too_large(len(items), "items")
    size = len(sep) * max(len(items) - 1, 0) + sum(len(x) for x in items if isinstance(x, str))
    if size > MAX_SIZE:
        raise too_large(size, "characters")
    return str(charged(sep.join(items)))


def _replace(text: str, old: str, new: str, count: int = -1) -> str:
    hits = len(text) + 1 if old == "" else text.count(old)
    size = len(text) + (min(hits, count) if count >= 0 else hits) * (len(new) - len(old))
    if size > MAX_SIZE:
        raise too_large(size, "characters")
    return str(charged(text.replace(old, new, count)))


def _pad(name: str) -> Callable[..., str]:
    def pad(text: str, width: int, *fill: str) -> str:
        if isinstance(width, int) and width > MAX_SIZE:
            raise too_large(width, "characters")
        return str(charged(getattr(text, name)(width, *fill)))

    return pad


def _strftime(moment: date, fmt: str) -> str:
    if isinstance(fmt, str) and len(fmt) > MAX_FORMAT_WIDTH:
        raise ScriptFailed(f"strftime() format longer than {MAX_FORMAT_WIDTH} characters")
    return str(charged(moment.strftime(fmt)))


def _sort(items: list[Any], *, key: Any = None, reverse: bool = False) -> None:
    measure(items)
    items.sort(key=_keyed(key), reverse=reverse)


def _search(name: str) -> Callable[..., Any]:
    def search(items: list[Any] | tuple[Any, ...], *args: Any) -> Any:
        measure(items)  # index/count/remove compare in C, like `in`
        measure(args)
        return getattr(items, name)(*args)

    return search


SPECIAL: dict[tuple[type, str], Callable[..., Any]] = {
    (str, "join"): _join,
    (str, "replace"): _replace,
    **{(str, name): _pad(name) for name in ("ljust", "rjust", "center", "zfill")},
    (date, "strftime"): _strftime,
    (datetime, "strftime"): _strftime,
    (list, "sort"): _sort,
    **{(list, name): _search(name) for name in ("index", "count", "remove")},
    **{(tuple, name): _search(name) for name in ("index", "count")},
    # (key, value) pairs are fresh tuples and must obey the tuple limits
    (dict, "items"): lambda mapping: charged([check_tuple(pair) for pair in _pairs(mapping)]),
    (dict, "popitem"): lambda mapping: check_tuple(mapping.popitem()),
}


def _pairs(mapping: dict[Any, Any]) -> Any:
    if len(mapping) > MAX_ITEMS:
        raise too_many("a list")
    return mapping.items()


def _charging(receiver: Any, name: str, method: Callable[..., Any]) -> Callable[..., Any]:
    grows = isinstance(receiver, list | dict | set)
    if grows:
        method = growth_checked(receiver, name, method)

    def call(*args: Any, **kwargs: Any) -> Any:
        before = len(receiver) if grows else 0
        result = method(*args, **kwargs)
        if grows:
            slot = 16 if isinstance(receiver, list) else 64
            guards.current().charge(max(len(receiver) - before, 0) * slot)
        if name not in _RETURNS_EXISTING and result is not receiver:
            charged(result)
        return result

    return call


def guarded_getattr(ob: Any, name: str) -> Any:
    """`_getattr_`: allow-listed attributes only; methods come back wrapped and charged."""
    is_class = isinstance(ob, type)
    # Subclasses from task data (an OrderedDict, bool) get their nearest listed base's rules.
    kind = next((t for t in type(ob).__mro__ if t in ATTRIBUTES), type(ob))
    allowed = CLASS_ATTRIBUTES.get(ob) if is_class else ATTRIBUTES.get(kind)
    if allowed is None or not isinstance(name, str) or name.startswith("_") or name not in allowed:
        owner = f"class {ob.__name__}" if is_class else type(ob).__name__
        raise ScriptFailed(f"attribute '{name}' of {owner} is not available in scripts")
    special = SPECIAL.get((kind, name))
    if special is not None:
        return partial(special, ob)
    value = getattr(ob, name)
    return _charging(ob, name, value) if callable(value) else value


HELPERS: dict[str, Any] = {
    "datetime": datetime, "date": date, "timedelta": timedelta, "Decimal": make_decimal,
    "parse_date": parse_date, "parse_datetime": parse_datetime, "duration": duration,
    "add_days": add_days, "round": safe_round, "min": _extreme(min), "max": _extreme(max),
    "sum": safe_sum, "len": len, "abs": abs, "int": safe_int, "float": float, "str": safe_str,
    "bool": bool, "list": safe_list, "dict": safe_dict, "sorted": safe_sorted, "any": any,
    "all": all, "enumerate": safe_enumerate, "zip": safe_zip, "range": bounded_range,
}  # plus now() and today(), which need the engine's clock
HELPER_NAMES = tuple(sorted([*HELPERS, "now", "today"]))
