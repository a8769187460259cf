"""Every JSON API response a test provokes is checked against the OpenAPI document.

`watch(app)` (called by webui_env.make_app for test apps) adds an after-request hook: a
response of a documented route must have a status the document lists for that route and
method, and its JSON must fit that status's schema. The check is stricter than the document
promises clients: objects may hold no field the document does not name, so a field added to
a response without documenting it fails the test that sees it. A violation raises at once,
out of the test client's call (apps under test propagate exceptions).
"""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

from flask import Flask, Response, request
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from webui.api.contract import openapi_path
from webui.api.openapi import document

URI = "urn:keyflow:openapi:strict"


class ContractBroken(AssertionError):
    """A response does not match the OpenAPI document."""


def _closed(node: Any) -> None:
    """Forbid undocumented fields in every object schema that names its fields."""
    if isinstance(node, dict):
        if "properties" in node and "additionalProperties" not in node:
            node["additionalProperties"] = False
        for value in node.values():
            _closed(value)
    elif isinstance(node, list):
        for value in node:
            _closed(value)


@cache
def strict_document() -> dict[str, Any]:
    """The document with closed objects (tests only; see the module docstring)."""
    strict = copy.deepcopy(document())
    _closed(strict)
    return strict


@cache
def _validator(path: str, method: str, status: str) -> Draft202012Validator:
    registry = Registry().with_resource(URI, DRAFT202012.create_resource(strict_document()))
    parts = ("paths", path, method, "responses", status, "content", "application/json", "schema")
    pointer = "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)
    return Draft202012Validator({"$ref": f"{URI}#/{pointer}"}, registry=registry)


def check_response(path: str, method: str, response: Response) -> None:
    """Raise ContractBroken if `response` breaks what the document says of this operation."""
    operation = strict_document()["paths"].get(path, {}).get(method.lower())
    if operation is None:
        return  # not an API operation of the document (test_openapi checks the coverage)
    status = str(response.status_code)
    documented = operation["responses"].get(status)
    where = f"{method} {path} -> {status}"
    if documented is None:
        raise ContractBroken(f"{where}: status not in the document "
                             f"({', '.join(operation['responses'])})")
    if "application/json" not in documented.get("content", {}):
        return
    if not response.is_json:
        raise ContractBroken(f"{where}: {response.content_type}, not JSON")
    errors = list(_validator(path, method.lower(), status).iter_errors(response.get_json()))
    if errors:
        raise ContractBroken(f"{where}: " + "; ".join(
            f"{e.json_path}: {e.message[:300]}" for e in errors[:5]))


def watch(app: Flask) -> None:
    """Check every response of `app`'s documented API routes."""

    @app.after_request
    def _check(response: Response) -> Response:
        if request.url_rule is not None:
            check_response(openapi_path(request.url_rule.rule), request.method, response)
        return response
