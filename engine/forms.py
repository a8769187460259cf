"""Checking submitted task data against the task's JSON Schema form.

Forms are evaluated by engine/form_validator.py (RE2 patterns, no remote references). A
form that breaks engine/form_rules.py — deployed before a rule existed — is not evaluated
at all: every submission to it is refused with the reason, until a fixed version runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jsonschema import ValidationError
from referencing.exceptions import Unresolvable

from engine.addresses import AddressInvalid, is_address
from engine.errors import InvalidData

from .form_rules import form_problems
from .form_validator import form_format_checker, make_validator

# The formats a form's `format` keyword checks; add one with FORMATS.checks(name, raises=…).
FORMATS = form_format_checker()
# jsonschema's own `email` check only looks for an "@": forms use keyflow's address check,
# so an address a form accepts is one the mail relay will send to.
for _name in ("email", "idn-email"):
    FORMATS.checks(_name, raises=AddressInvalid)(is_address)

# Forms are small and reused constantly; validators are cached by schema identity.
_validators: dict[int, tuple[Mapping[str, Any], Any, list[str]]] = {}


def _validator(schema: Mapping[str, Any]) -> tuple[Any, list[str]]:
    cached = _validators.get(id(schema))
    if cached is not None and cached[0] is schema:
        return cached[1], cached[2]
    problems = [f"{where}: {reason}" for where, reason in form_problems(schema)]
    validator = make_validator(schema, FORMATS)
    _validators[id(schema)] = (schema, validator, problems)
    return validator, problems


def validation_errors(schema: Mapping[str, Any], data: Any) -> list[ValidationError]:
    """Every way `data` breaks `schema`; never raises, whatever the form or the data."""
    validator, problems = _validator(schema)
    if problems:
        return [ValidationError(f"this form cannot be checked safely ({problems[0]}); a "
                                "process owner must deploy a fixed version", validator="form")]
    try:
        return list(validator.iter_errors(data))
    except RecursionError:
        return [ValidationError("the data is nested too deeply to be checked",
                                validator="depth")]
    except Unresolvable as err:
        return [ValidationError(f"the form refers to something it does not contain ({err})",
                                validator="form")]


def validate_submission(schema: dict[str, Any] | None, data: Any) -> dict[str, Any]:
    """Return `data` if it fits `schema`; raise InvalidData mapping each field to its message."""
    if not isinstance(data, dict):
        raise InvalidData("the submitted data must be a JSON object", {"": "must be an object"})
    if any(not isinstance(k, str) or k.startswith("_") for k in data):
        raise InvalidData("field names may not start with '_'",
                          {k: "not allowed" for k in data if str(k).startswith("_")})
    if schema is None:
        return data
    errors: dict[str, str] = {}
    for error in sorted(validation_errors(schema, data), key=lambda e: [str(p) for p in e.path]):
        field = "/".join(str(p) for p in error.path)
        if error.validator == "required":
            missing = error.message.split("'")[1] if "'" in error.message else ""
            field = f"{field}/{missing}".strip("/")
            errors.setdefault(field, "this field is required")
        else:
            errors.setdefault(field, error.message[:500])  # messages quote the value
    if errors:
        raise InvalidData(f"{len(errors)} field(s) are not valid", errors)
    return data
