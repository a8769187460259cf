"""JSON replies of the API: the bytes Flask's `jsonify` would send, for less CPU.

`jsonify` sets up its JSON encoder again for every reply (Flask's provider passes its
options to `json.dumps`, which builds a new encoder each time) and goes through the app's
provider and `make_response`. The hot API calls (inbox, fetch, submit, start, status) answer
through `json_reply` instead: one encoder per app provider, made with that provider's own
options (sorted keys, ASCII, its `default`, compact separators), and the response built
directly with its status and headers. Whenever the provider would write something else
(debug mode's indentation, a provider that is not Flask's default or overrides how it
dumps), the reply goes through the provider as before.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from weakref import WeakKeyDictionary

from flask import Response, current_app
from flask.json.provider import DefaultJSONProvider, JSONProvider

# Per provider: the options an encoder was made with, and that encoder (None: the provider
# writes in a way of its own).
_ENCODERS: WeakKeyDictionary[JSONProvider, tuple[tuple[Any, ...], json.JSONEncoder | None]] \
    = WeakKeyDictionary()


def _options(provider: JSONProvider) -> tuple[Any, ...]:
    return (getattr(provider, "default", None), getattr(provider, "ensure_ascii", None),
            getattr(provider, "sort_keys", None), getattr(provider, "compact", None))


def _encoder_of(provider: JSONProvider) -> json.JSONEncoder | None:
    """The encoder writing what `provider.response` writes outside debug mode, or None when
    that cannot be told from the provider's options."""
    if not isinstance(provider, DefaultJSONProvider) or provider.compact is False \
            or type(provider).dumps is not DefaultJSONProvider.dumps \
            or type(provider).response is not DefaultJSONProvider.response:
        return None
    return json.JSONEncoder(default=provider.default, ensure_ascii=provider.ensure_ascii,
                            sort_keys=provider.sort_keys, separators=(",", ":"))


def _encoder(provider: JSONProvider) -> json.JSONEncoder | None:
    """`_encoder_of(provider)`, made again only when the provider's options changed."""
    options = _options(provider)
    made = _ENCODERS.get(provider)
    if made is None or made[0] != options:
        made = _ENCODERS[provider] = (options, _encoder_of(provider))
    return made[1]


def json_reply(value: Any, status: int = 200,
               headers: Mapping[str, str] | None = None) -> Response:
    """`value` as the app's JSON response (what `jsonify(value)` answers), with `status`
    and `headers`."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    provider = app.json
    encoder = _encoder(provider)
    if encoder is None or (provider.compact is None and app.debug):
        response: Response = provider.response(value)
        response.status_code = status
        if headers:
            response.headers.update(headers)
        return response
    return app.response_class(  # type: ignore[no-any-return]
        f"{encoder.encode(value)}\n", status=status, headers=headers,
        mimetype=provider.mimetype)
