"""The JSON Schema validator that checks submitted form data, hardened against hostile forms.

- Patterns (`pattern`, `patternProperties` and the `additionalProperties` that depend on
  them) run on RE2, whose matching time is linear in the text: Python's `re` backtracks,
  and `^(a+)+$` against forty characters would hold the GIL — every request of an embedded
  keyflow — for hours. RE2 has no backreferences or look-arounds; deployment refuses the
  patterns it cannot compile (engine/form_rules.py). A text longer than
  MAX_PATTERN_SUBJECT is not matched at all, which bounds the time one pattern can take.
- References never leave the form: the registry's `retrieve` refuses every URI, so a `$ref`
  to a remote host fails at once instead of fetching it (deployment refuses such forms too).
  `unevaluatedProperties` would still match `patternProperties` with Python's `re`;
  engine/form_rules.py refuses a form that combines the two.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Any

import re2
from jsonschema import Draft202012Validator, FormatChecker, ValidationError, validators
from referencing import Registry
from referencing.exceptions import NoSuchResource

MAX_PATTERN_LENGTH = 1000
MAX_PATTERN_SUBJECT = 10_000


class PatternUnusable(ValueError):
    """A pattern RE2 cannot compile (a backreference, a look-around, too large)."""


def _compile(pattern: str) -> Any:
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise PatternUnusable(f"longer than {MAX_PATTERN_LENGTH} characters")
    options = re2.Options()
    options.log_errors = False  # the reason is raised, not printed to stderr
    try:
        return re2.compile(pattern, options)
    except re2.error as err:
        reason = err.args[0].decode() if err.args and isinstance(err.args[0], bytes) else err
        raise PatternUnusable(f"not a pattern keyflow can check ({reason}); keyflow uses "
                              "RE2, which has no backreferences or look-arounds") from err


@lru_cache(maxsize=256)
def compile_pattern(pattern: str) -> Any:
    """A form's pattern compiled by RE2 (cached: forms are few), or PatternUnusable."""
    return _compile(pattern)


def pattern_matches(pattern: str, text: str) -> bool:
    """Whether `pattern` is found in `text` (JSON Schema patterns are not anchored)."""
    if len(text) > MAX_PATTERN_SUBJECT:
        raise PatternUnusable(f"the text is longer than the {MAX_PATTERN_SUBJECT} characters "
                              "a pattern is checked against")
    return compile_pattern(pattern).search(text) is not None


def _pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[Any]:
    if not validator.is_type(instance, "string"):
        return
    try:
        if not pattern_matches(pattern, instance):
            yield ValidationError(f"does not match the pattern {pattern!r}")
    except PatternUnusable as err:
        yield ValidationError(str(err))


def _pattern_properties(validator: Any, patterns: dict[str, Any], instance: Any,
                        schema: Any) -> Iterator[Any]:
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in patterns.items():
        for name, value in instance.items():
            try:
                found = pattern_matches(pattern, name)
            except PatternUnusable as err:
                yield ValidationError(f"field name {name[:40]!r}: {err}")
                continue
            if found:
                yield from validator.descend(value, subschema, path=name, schema_path=pattern)


def _additional_names(instance: dict[str, Any], schema: dict[str, Any]) -> list[str]:
    """Fields neither `properties` nor `patternProperties` account for."""
    named = schema.get("properties", {})
    patterns = list(schema.get("patternProperties", {}))
    extras = []
    for name in instance:
        if name in named:
            continue
        try:
            if any(pattern_matches(p, name) for p in patterns):
                continue
        except PatternUnusable:
            pass  # reported by patternProperties; the field counts as additional here
        extras.append(name)
    return extras


def _additional_properties(validator: Any, additional: Any, instance: Any,
                           schema: Any) -> Iterator[Any]:
    if not validator.is_type(instance, "object"):
        return
    extras = _additional_names(instance, schema)
    if validator.is_type(additional, "object"):
        for name in extras:
            yield from validator.descend(instance[name], additional, path=name)
    elif not additional and extras:
        shown = ", ".join(repr(name[:40]) for name in sorted(extras)[:10])
        yield ValidationError(f"additional fields are not allowed ({shown})")


def _refuse_retrieval(uri: str) -> Any:
    """Forms are self-contained: nothing is ever fetched (no SSRF, no hanging host)."""
    raise NoSuchResource(uri)


NO_REMOTE_REFERENCES: Registry[Any] = Registry(retrieve=_refuse_retrieval)  # type: ignore[call-arg]

FormValidator = validators.extend(Draft202012Validator, {
    "pattern": _pattern,
    "patternProperties": _pattern_properties,
    "additionalProperties": _additional_properties,
})


def form_format_checker() -> FormatChecker:
    """Draft 2020-12's format checks, with `regex` compiled by RE2 like every pattern."""
    checker = FormatChecker()
    checker.checkers = dict(Draft202012Validator.FORMAT_CHECKER.checkers)

    @checker.checks("regex", raises=PatternUnusable)
    def _is_regex(instance: object) -> bool:
        if isinstance(instance, str):
            _compile(instance)  # submitted text: compiled once, never cached
        return True

    return checker


def make_validator(schema: Mapping[str, Any], format_checker: FormatChecker) -> Any:
    """A validator for `schema` that evaluates patterns with RE2 and fetches nothing."""
    return FormValidator(schema, registry=NO_REMOTE_REFERENCES, format_checker=format_checker)
