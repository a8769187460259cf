"""URL adapters bound once per host are the adapters Flask and Werkzeug bind every time."""

from __future__ import annotations

import pytest
from flask import Flask
from werkzeug.exceptions import BadHost
from werkzeug.test import EnvironBuilder

from webui.application import KeyflowFlask


def _apps(**config):
    apps = []
    for cls in (KeyflowFlask, Flask):
        app = cls(__name__)
        app.config.update(config)
        app.add_url_rule("/tasks/<int:task_id>", "task", lambda task_id: "")
        apps.append(app)
    return apps


def _environ(**overrides):
    environ = EnvironBuilder(path="/tasks/7", query_string="a=1").get_environ()
    environ.update(overrides)
    return environ


ENVIRONS = {
    "plain": {},
    "host with port": {"HTTP_HOST": "127.0.0.1:5000"},
    "upper-case host": {"HTTP_HOST": "KeyFlow.Example.ORG"},
    "standard port": {"HTTP_HOST": "example.org:80"},
    "https": {"wsgi.url_scheme": "https", "HTTP_HOST": "example.org:443"},
    "no host header": {"HTTP_HOST": None},
    "script name": {"SCRIPT_NAME": "/keyflow"},
    "empty path": {"PATH_INFO": ""},
    "no path": {"PATH_INFO": None},
    "no query": {"QUERY_STRING": None},
    "non-ASCII path": {"PATH_INFO": "/t\u00c3\u00a4sks", "QUERY_STRING": "q=\u00c3\u00a4"},
    "bad UTF-8 path": {"PATH_INFO": "/t\u00ffx"},
    "POST": {"REQUEST_METHOD": "POST"},
    "WebSocket upgrade": {"HTTP_CONNECTION": "Upgrade", "HTTP_UPGRADE": "websocket"},
    "unicode host": {"HTTP_HOST": "b\u00fccher.example"},
}


def _clean(environ):
    return {key: value for key, value in environ.items() if value is not None}


def _outcome(app, environ):
    """The adapter's attributes and the request's host, or the error binding raised."""
    request = app.request_class(dict(environ))
    try:
        adapter = app.create_url_adapter(request)
    except Exception as err:  # noqa: BLE001  (compared, whatever it is)
        return type(err), str(err)
    return vars(adapter) | {"map": None}, request.host


@pytest.mark.parametrize("case", ENVIRONS)
@pytest.mark.parametrize("config", [{}, {"SERVER_NAME": "example.org"},
                                    {"TRUSTED_HOSTS": ["localhost", "example.org"]}])
def test_the_adapter_is_flasks(case, config):
    ours, theirs = _apps(**config)
    for _ in range(2):  # the host's first request, then from what was remembered
        environ = _clean(_environ(**ENVIRONS[case]))
        assert _outcome(ours, environ) == _outcome(theirs, environ)


def test_a_bad_host_is_refused_as_flask_does():
    ours, theirs = _apps()
    environ = _environ(HTTP_HOST="a..b")
    with pytest.raises(BadHost):
        theirs.create_url_adapter(theirs.request_class(dict(environ)))
    for _ in range(2):
        with pytest.raises(BadHost):
            ours.create_url_adapter(ours.request_class(dict(environ)))


def test_requests_route_as_before():
    ours, _ = _apps()
    client = ours.test_client()
    assert client.get("/tasks/7").status_code == 200
    assert client.get("/tasks/7", base_url="http://other.example:8080").status_code == 200
    assert client.get("/tasks/x").status_code == 404
    assert set(ours._server_names) == {"localhost", "other.example:8080"}  # bound once each
    with ours.app_context():  # outside a request: Flask's adapter (none without SERVER_NAME)
        assert ours.create_url_adapter(None) is None

