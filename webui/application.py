"""keyflow's Flask class: Flask, with what it asks of every view and hook on every request
asked once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, Request
from werkzeug.routing import MapAdapter

from .responses import KeyflowResponse
from .url_binding import bind_request


class KeyflowRequest(Request):
    """Flask's request; `blueprints` (asked three times per request by Flask itself, before
    the view, after it and at teardown) is worked out once per endpoint."""

    _blueprints_of: dict[str, list[str]] = {}  # shared: a name's blueprints never change

    @property
    def blueprints(self) -> list[str]:
        """The current blueprint's name and its parents' (Flask's `Request.blueprints`)."""
        rule = self.url_rule
        if rule is None:
            return []
        names = self._blueprints_of.get(rule.endpoint)
        if names is None:
            names = self._blueprints_of[rule.endpoint] = super().blueprints
        return names


class KeyflowFlask(Flask):
    """Flask's app; `ensure_sync` (Flask's documented hook for running async views) remembers
    which functions are plain ones. Flask asks it of every hook and view of every request
    (about ten calls, each inspecting the function's code flags), and the answer never
    changes for a function. Its requests are `KeyflowRequest`s, its responses
    `KeyflowResponse`s (webui/responses.py); its URL adapters are bound once per host
    (webui/url_binding.py)."""

    request_class = KeyflowRequest
    response_class = KeyflowResponse

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plain: set[Callable[..., Any]] = set()
        self._server_names: dict[str, str] = {}

    def create_url_adapter(self, request: Request | None) -> MapAdapter | None:
        """Flask's adapter; for a request, bound once per host (webui/url_binding.py)."""
        if request is None:
            return super().create_url_adapter(None)
        return bind_request(self, request, self._server_names, super().create_url_adapter)

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        """`func` itself when it is a plain function, else Flask's wrapper around it."""
        try:
            if func in self._plain:
                return func
        except TypeError:  # an unhashable callable: ask Flask every time
            return super().ensure_sync(func)
        synced = super().ensure_sync(func)
        if synced is func:
            self._plain.add(func)
        return synced
