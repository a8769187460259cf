"""Whether a request body fits a plain schema, answered by a predicate built once.

jsonschema's validator walks a schema anew for every body (a validator object, a scope and
a generator per keyword), and for the API's small request bodies that walk cost more than
everything else the view does with the body. `plain_check` turns a schema that uses only the
keywords below into a Python predicate, true exactly when Draft 2020-12 (as jsonschema
applies it) accepts the instance; contract.request_body asks it first, and only a body it
refuses goes through jsonschema, which then names every problem. A schema with any other
keyword (pattern, enum, allOf, a `$ref` left in place, …) gets no predicate: its bodies are
all checked by jsonschema, as before. tests/webui/test_api_body_check.py holds the two to the
same answers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Check = Callable[[Any], bool]

# Keywords that only annotate (2020-12 asserts none of them; `format` neither, by default,
# but it is left to jsonschema all the same).
_ANNOTATIONS = frozenset({"title", "description", "default", "examples", "deprecated",
                          "readOnly", "writeOnly", "$comment"})
_CHECKED = frozenset({"type", "properties", "required", "additionalProperties", "items",
                      "maxLength", "minLength", "maxItems", "minimum", "maximum"})


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_integer(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


# jsonschema's Draft 2020-12 type checker, for the values a JSON parser makes.
_TYPES: dict[str, Check] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "number": _is_number,
    "integer": _is_integer,
}


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def plain_check(schema: Any) -> Check | None:
    """A predicate true exactly for the instances `schema` accepts, or None when the schema
    uses a keyword (or a value) this module does not check."""
    if schema is True:
        return lambda _value: True
    if schema is False:
        return lambda _value: False
    if not isinstance(schema, dict) or not set(schema) <= _CHECKED | _ANNOTATIONS:
        return None
    checks: list[Check] = []
    if "type" in schema:
        names = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not names or not all(isinstance(n, str) and n in _TYPES for n in names):
            return None
        kinds = [_TYPES[n] for n in names]
        checks.append(lambda v: any(kind(v) for kind in kinds))
    for keyword, applies, measure in (("maxLength", str, len), ("maxItems", list, len)):
        if keyword in schema:
            if not _count(schema[keyword]):
                return None
            most = schema[keyword]
            checks.append(lambda v, t=applies, m=measure, n=most: not isinstance(v, t)
                          or m(v) <= n)
    if "minLength" in schema:
        if not _count(schema["minLength"]):
            return None
        least = schema["minLength"]
        checks.append(lambda v: not isinstance(v, str) or len(v) >= least)
    for keyword in ("minimum", "maximum"):
        if keyword in schema:
            bound = schema[keyword]
            if not _is_number(bound):
                return None
            if keyword == "minimum":  # jsonschema's own comparisons (NaN passes both)
                checks.append(lambda v, b=bound: not (_is_number(v) and v < b))
            else:
                checks.append(lambda v, b=bound: not (_is_number(v) and v > b))
    if "required" in schema:
        required = schema["required"]
        if not isinstance(required, list) or not all(isinstance(r, str) for r in required):
            return None
        checks.append(lambda v: not isinstance(v, dict) or all(r in v for r in required))
    object_check = _object_check(schema)
    if object_check is None:
        return None
    checks.append(object_check)
    if "items" in schema:
        item = plain_check(schema["items"])
        if item is None:
            return None
        checks.append(lambda v: not isinstance(v, list) or all(item(i) for i in v))
    return lambda v: all(check(v) for check in checks)


def _object_check(schema: dict[str, Any]) -> Check | None:
    """The check of `properties` and `additionalProperties` (always true without them)."""
    properties = schema.get("properties", {})
    if not isinstance(properties, dict):
        return None
    known: dict[str, Check] = {}
    for name, sub in properties.items():
        check = plain_check(sub)
        if check is None:
            return None
        known[name] = check
    other: Check | None = None
    if "additionalProperties" in schema:
        other = plain_check(schema["additionalProperties"])
        if other is None:
            return None

    def fits(value: Any) -> bool:
        if not isinstance(value, dict):
            return True
        for key, item in value.items():
            check = known.get(key, other)
            if check is not None and not check(item):
                return False
        return True
    return fits
