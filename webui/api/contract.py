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
    (`"paths", "/api/tasks", "get", "responses", "200", ...`); its references resolve."""
    pointer = "/".join(_escape(part) for part in where)
    return Draft202012Validator({"$ref": f"{DOCUMENT_URI}#/{pointer}"}, registry=_registry())


def body_validator(path: str, method: str) -> Draft202012Validator | None:
    """The validator of the JSON request body of one operation, if the document gives one."""
    operation = document()["paths"].get(path, {}).get(method.lower(), {})
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" not in content:
        return None
    return schema_validator("paths", path, method.lower(), "requestBody", "content",
                            "application/json", "schema")


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
    validator = body_validator(openapi_path(rule.rule), request.method) if rule else None
    if validator is None:  # a programming error: the view reads a body the document omits
        raise LookupError(f"the OpenAPI document has no JSON body for {request.method} "
                          f"{rule.rule if rule else request.path}")
    body = request_json()
    details = violations(validator, body)
    if details:
        shown = "; ".join(f"{f or 'the body'}: {m}" for f, m in list(details.items())[:3])
        raise InvalidData(f"the request does not fit the API ({shown})", details)
    assert isinstance(body, dict)  # the schemas of request bodies are objects
    return body
