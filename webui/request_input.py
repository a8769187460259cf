"""Input checks at the web edge, before any view: NUL characters and deeply nested JSON.

PostgreSQL refuses NUL in text (and `\\u0000` in JSONB), so a NUL in a search box or a customer
name used to end as a 500; JSON nested thousands deep made the parser's recursion fail the
same way. Query strings, form fields and the path are checked before every request; JSON
bodies are checked by the app's JSON provider, which every `request.get_json()` (and so
`api.serialize.json_body`) goes through. engine.db refuses NUL again before anything is
written, for callers that are not the web.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Flask, request
from flask.json.provider import DefaultJSONProvider

from engine.errors import InvalidData, MalformedRequest

MAX_JSON_DEPTH = 64  # start data may nest 20 levels; forms and editor schemas a few more
NUL = "\x00"
Path = tuple[Any, ...] | None  # (parent path, key), built only as deep as we walk


def _nul(field: str) -> InvalidData:
    return InvalidData(f"{field or 'the body'} must not contain NUL characters",
                       {field or "": "contains a NUL character"})


def _render(path: Path) -> str:
    keys: list[str] = []
    while path is not None:
        path, key = path
        keys.append(str(key))
    return ".".join(reversed(keys))


def check_json(value: Any) -> None:
    """Refuse JSON nested deeper than MAX_JSON_DEPTH or holding a NUL in any key or text."""
    stack: list[tuple[Any, int, Path]] = [(value, 0, None)]
    while stack:
        node, depth, path = stack.pop()
        if isinstance(node, str):
            if NUL in node:
                raise _nul(_render(path))
            continue
        if not isinstance(node, dict | list):
            continue
        if depth >= MAX_JSON_DEPTH:  # parsed, but no form or data limit takes it: 422
            reason = f"the JSON body is nested too deeply (more than {MAX_JSON_DEPTH} levels)"
            raise InvalidData(reason, {_render(path) or "": reason})
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, child in items:
            if isinstance(key, str) and NUL in key:
                raise _nul(_render((path, key.replace(NUL, "\\0"))))
            if isinstance(child, str | dict | list):
                stack.append((child, depth + 1, (path, key)))


class CheckedJSONProvider(DefaultJSONProvider):
    """Flask's JSON, with request bodies checked for depth and NUL characters."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        """Parse; nesting Python cannot even parse is a 400 (not a RecursionError, 500), nesting
        past MAX_JSON_DEPTH a 422."""
        try:
            value = json.loads(s, **kwargs)
        except RecursionError as err:
            raise MalformedRequest(f"the JSON body is nested too deeply "
                                   f"(more than {MAX_JSON_DEPTH} levels)") from err
        check_json(value)
        return value


FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


def refuse_nul_characters() -> None:
    """Before every request: no NUL in the path, a query parameter or a form field.

    Only what a request has is looked at: no query string, no parsing of the (empty)
    arguments; a body that is no form (JSON: the provider checks it), no form parsing.
    """
    req = request._get_current_object()  # one proxy lookup for the whole check
    if NUL in req.path:
        raise _nul("path")
    sources = []
    if req.query_string:
        sources.append(req.args)
    if req.environ.get("CONTENT_TYPE") and req.mimetype in FORM_TYPES:
        sources.append(req.form)
    for source in sources:
        for key, value in source.items(multi=True):
            if NUL in key or NUL in value:
                raise _nul(key.replace(NUL, "\\0"))


def init_app(app: Flask) -> None:
    """Install the JSON provider and the NUL check (first, before sign-in and CSRF checks)."""
    app.json = CheckedJSONProvider(app)
    app.before_request(refuse_nul_characters)
