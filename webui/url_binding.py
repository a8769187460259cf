"""Binding the URL map to a request: what Flask's `create_url_adapter` does, once per host.

For every request Flask reads the request's host (`get_host`), and Werkzeug's
`bind_to_environ` reads it again, checks for a WebSocket upgrade, decodes the script name,
path and query string and runs the host through the IDNA codec (`Map.bind`): ~4 µs, most of
it the same answer for every request to the same host. `bind_request` gives the adapter
Werkzeug would (the same server name, script name, subdomain, scheme, path, method and
query string), the host's server name taken from Werkzeug's own answer the first time the
host was seen. Anything it does not cover (trusted hosts, a SERVER_NAME, host or subdomain
matching, a WebSocket upgrade, a host not seen yet) goes to Flask. tests/webui/
test_url_binding.py compares the adapters and pins the Flask and Werkzeug behaviour relied on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from flask import Request
from werkzeug.routing import MapAdapter
from werkzeug.wsgi import get_host

if TYPE_CHECKING:
    from flask import Flask

MAX_HOSTS = 64  # server names remembered per app: the few names a deployment answers to


def _text(value: str | None) -> str | None:
    """A WSGI string as Werkzeug decodes it (`_wsgi_decoding_dance`); ASCII is itself."""
    if value is None or value.isascii():
        return value
    return value.encode("latin1").decode(errors="replace")


def binds_plainly(app: Flask) -> bool:
    """True when Flask would bind to the request's own host with the default subdomain."""
    config = app.config
    return config["TRUSTED_HOSTS"] is None and config["SERVER_NAME"] is None \
        and not app.url_map.host_matching and not app.subdomain_matching


def bind_request(app: Flask, request: Request, server_names: dict[str, str],
                 flasks_way: Callable[[Request], MapAdapter | None]) -> MapAdapter | None:
    """The adapter Flask's `create_url_adapter(request)` makes, with `request.host` set.
    `server_names` remembers each host's bound server name; `flasks_way` (Flask's own
    `create_url_adapter`) answers the cases this does not cover."""
    environ = request.environ
    if not binds_plainly(app) or "HTTP_UPGRADE" in environ:
        return flasks_way(request)
    host = request.host = get_host(environ, request.trusted_hosts)  # type: ignore[misc]
    server_name = server_names.get(host)
    if server_name is None:
        adapter = flasks_way(request)
        if adapter is not None and len(server_names) < MAX_HOSTS:
            server_names[host] = adapter.server_name
        return adapter
    url_map = app.url_map
    script_name = _text(environ.get("SCRIPT_NAME"))
    path_info = _text(environ.get("PATH_INFO"))
    return MapAdapter(url_map, server_name, "/" if script_name is None else script_name,
                      url_map.default_subdomain or "", environ["wsgi.url_scheme"],
                      "/" if path_info is None else path_info, environ["REQUEST_METHOD"],
                      _text(environ.get("QUERY_STRING")))
