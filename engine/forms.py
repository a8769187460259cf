"""Checking submitted task data against the task's JSON Schema form."""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

from engine.addresses import AddressInvalid, is_address
from engine.errors import InvalidData

# jsonschema's own `email` check only looks for an "@": forms use keyflow's address check,
# so an address a form accepts is one the mail relay will send to.
FORMATS = FormatChecker(formats=())
FORMATS.checkers.update(Draft202012Validator.FORMAT_CHECKER.checkers)
for _name in ("email", "idn-email"):
    FORMATS.checks(_name, raises=AddressInvalid)(is_address)

# Forms are small and reused constantly; validators are cached by schema identity.
_validators: dict[int, tuple[dict[str, Any], Draft202012Validator]] = {}


def _validator(schema: dict[str, Any]) -> Draft202012Validator:
    cached = _validators.get(id(schema))
    if cached is not None and cached[0] is schema:
        return cached[1]
    validator = Draft202012Validator(schema, format_checker=FORMATS)
    _validators[id(schema)] = (schema, validator)
    return validator


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
    for error in sorted(_validator(schema).iter_errors(data), key=lambda e: list(e.path)):
        field = "/".join(str(p) for p in error.path)
        if error.validator == "required":
            missing = error.message.split("'")[1] if "'" in error.message else ""
            field = f"{field}/{missing}".strip("/")
            errors.setdefault(field, "this field is required")
        else:
            errors.setdefault(field, error.message)
    if errors:
        raise InvalidData(f"{len(errors)} field(s) are not valid", errors)
    return data
