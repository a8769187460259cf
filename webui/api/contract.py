"""Request bodies checked against the OpenAPI document, in one place.

A view that takes a JSON body calls `request_body()`: it parses the body (400 when it is not
JSON), looks up the schema the document gives the matched route and method, and answers 422
with `details` mapping each field path (`data`, `reason`, `` for the body itself) to a message
when the body breaks it. So the document is the only description of what a body may hold;
views keep only what a schema cannot say (e.g. "a failed instance needs a reason").
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from flask import request
from jsonschema import Draft202012Validator, ValidationError
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from engine.errors import InvalidData

from .openapi import document
from .schema_check import Check, plain_check
from .serialize import request_json

DOCUMENT_URI = "urn:keyflow:openapi"
MAX_DETAILS = 20


def openapi_path(rule: str) -> str:
    """A Flask rule as the document names it: `/api/tasks/<int:task_id>` -> `/api/tasks/{id}`."""
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: "{" + (
        "id" if m.group(1).endswith("_id") else m.group(1)) + "}", rule)


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


@cache
def _registry() -> Registry:
    return Registry().with_resource(DOCUMENT_URI, DRAFT202012.create_resource(document()))


@cache
def schema_validator(*where: str) -> Draft202012Validator:
    """A validator for the schema at a place in the document, given as its path of keys
    (`"paths", "/api/tasks", "get", "responses", "200", ...`); its references resolve.

    Built once: the references are resolved here, into a copy of the schema with each
    `$ref` replaced by what it names, so that checking a body walks plain schemas instead
    of looking every reference up again (three quarters of a check's cost). A schema with
    a recursive reference (or one of the keywords that move the base) keeps its references.
    """
    pointer = "/".join(_escape(part) for part in where)
    reference = {"$ref": f"{DOCUMENT_URI}#/{pointer}"}
    inlined = _inline(reference, _registry().resolver(DOCUMENT_URI), ())
    if inlined is None:
        return Draft202012Validator(reference, registry=_registry())
    return Draft202012Validator(inlined)


# Where a schema holds schemas (JSON Schema 2020-12's applicators); every other keyword
# holds data, left as it is (as a validator would: it looks for `$ref` only in schemas).
_ONE_SCHEMA = frozenset({"items", "additionalProperties", "not", "if", "then", "else",
                         "contains", "propertyNames", "unevaluatedItems",
                         "unevaluatedProperties"})
_SCHEMA_LISTS = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
_SCHEMA_MAPS = frozenset({"properties", "patternProperties", "dependentSchemas", "$defs"})
# Keywords that change how references resolve: such a schema is validated as it stands.
_BASE_KEYWORDS = frozenset({"$id", "$anchor", "$dynamicRef", "$dynamicAnchor",
                            "$recursiveRef", "$recursiveAnchor"})


def _inline(schema: Any, resolver: Any, seen: tuple[int, ...]) -> Any:
    """`schema` with every `$ref` replaced by its target (beside its sibling keywords under
    `allOf`), or None when that cannot be done faithfully (a recursive reference)."""
    if not isinstance(schema, dict):
        return schema  # `true`, `false`
    if _BASE_KEYWORDS.intersection(schema):
        return None
    out: dict[str, Any] = {}
    target: Any = None
    for key, value in schema.items():
        if key == "$ref" and isinstance(value, str):
            resolved = resolver.lookup(value)
            if id(resolved.contents) in seen:
                return None
            target = _inline(resolved.contents, resolved.resolver,
                             (*seen, id(resolved.contents)))
            if target is None:
                return None
            continue
        if key in _ONE_SCHEMA:
            value = _inline(value, resolver, seen)
            ok = value is not None
        elif key in _SCHEMA_LISTS and isinstance(value, list):
            value = [_inline(item, resolver, seen) for item in value]
            ok = all(item is not None for item in value)
        elif key in _SCHEMA_MAPS and isinstance(value, dict):
            value = {name: _inline(item, resolver, seen) for name, item in value.items()}
            ok = all(item is not None for item in value.values())
        else:
            ok = True
        if not ok:
            return None
        out[key] = value
    if target is None:
        return out
    return {"allOf": [target, out]} if out else target


def body_validator(path: str, method: str) -> Draft202012Validator | None:
    """The validator of the JSON request body of one operation, if the document gives one."""
    operation = document()["paths"].get(path, {}).get(method.lower(), {})
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" not in content:
        return None
    return schema_validator("paths", path, method.lower(), "requestBody", "content",
                            "application/json", "schema")


@cache
def _rule_body_validator(rule: str, method: str
                         ) -> tuple[Draft202012Validator, Check | None] | None:
    """`body_validator` of a Flask rule, looked up once per rule and method, with the
    predicate that accepts a body without jsonschema when the schema is a plain one."""
    validator = body_validator(openapi_path(rule), method)
    return None if validator is None else (validator, plain_check(validator.schema))


def field_path(error: ValidationError) -> str:
    """Where an error is, as `a/b/0`; a missing required field is named by its own path."""
    parts = [str(p) for p in error.absolute_path]
    if error.validator == "required" and isinstance(error.instance, dict):
        missing = [f for f in error.validator_value if f not in error.instance]
        parts.append(str(missing[0]) if missing else "")
    return "/".join(parts).strip("/")


TYPE_WORDS = {"object": "an object", "array": "a list", "string": "text",
              "integer": "a whole number", "number": "a number", "boolean": "true or false",
              "null": "null"}


def _message(error: ValidationError) -> str:
    """A short message that does not quote the value (it may be long, or a secret)."""
    kind, expected = error.validator, error.validator_value
    if kind == "type":
        names = expected if isinstance(expected, list) else [expected]
        return "must be " + " or ".join(TYPE_WORDS.get(str(n), str(n)) for n in names)
    if kind == "required":
        return "this field is required"
    if kind == "maxLength":
        return f"at most {expected} characters"
    if kind == "minimum":
        return f"at least {expected}"
    if kind == "maximum":
        return f"at most {expected}"
    if kind == "enum":
        return "must be one of " + ", ".join(str(v) for v in expected)
    if kind == "additionalProperties":
        return "not allowed"
    return error.message[:200]


def violations(validator: Draft202012Validator, body: Any) -> dict[str, str]:
    """Field path -> message for every way `body` breaks the validator's schema."""
    details: dict[str, str] = {}
    for error in sorted(validator.iter_errors(body), key=lambda e: e.json_path):
        details.setdefault(field_path(error), _message(error))
        if len(details) >= MAX_DETAILS:
            break
    return details


def request_body() -> dict[str, Any]:
    """The request's JSON body ({} when empty), checked against the document's schema for
    the matched route and method: 400 if it is not JSON, 422 with each field's problem."""
    rule = request.url_rule
    found = _rule_body_validator(rule.rule, request.method) if rule else None
    if found is None:  # a programming error: the view reads a body the document omits
        raise LookupError(f"the OpenAPI document has no JSON body for {request.method} "
                          f"{rule.rule if rule else request.path}")
    validator, fits = found
    body = request_json()
    details = {} if fits is not None and fits(body) else violations(validator, body)
    if details:
        shown = "; ".join(f"{f or 'the body'}: {m}" for f, m in list(details.items())[:3])
        raise InvalidData(f"the request does not fit the API ({shown})", details)
    assert isinstance(body, dict)  # the schemas of request bodies are objects
    return body
