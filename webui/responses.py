"""keyflow's response class: Werkzeug's, without copying the headers of a response that
goes out as it is.

Before every response starts, Werkzeug's `get_wsgi_response` asks `get_wsgi_headers` for a
copy of the headers (every header validated again on the way: ~3 µs for a response's ten)
in which it may make a Location header absolute, drop Content-Length (1xx, 204), drop the
entity headers (304) or add a Content-Length it can count. A response with none of these
to do (a Content-Length already set, no Location or Content-Location, a status that keeps
its body: every JSON reply and page) goes out with its headers as they are.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from flask import Response

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

_MOVED = frozenset({"location", "content-location"})


class KeyflowResponse(Response):
    """Flask's response; `get_wsgi_response` skips the header copy when it would change nothing."""

    def get_wsgi_response(
            self, environ: WSGIEnvironment) -> tuple[Iterable[bytes], str, list[tuple[str, str]]]:
        """Werkzeug's `(app_iter, status, headers)`."""
        status = self.status_code
        if status >= 200 and status != 204 and status != 304:
            has_length = False
            for key, _value in self.headers:
                lower = key.lower()
                if lower in _MOVED:
                    break
                if lower == "content-length":
                    has_length = True
            else:
                if has_length:
                    return self.get_app_iter(environ), self.status, self.headers.to_wsgi_list()
        return super().get_wsgi_response(environ)
