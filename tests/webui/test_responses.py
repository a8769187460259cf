"""keyflow's response class answers exactly what Werkzeug's would, header copy or not."""

from __future__ import annotations

import pytest
from flask import Response
from werkzeug.test import EnvironBuilder

from webui.application import KeyflowFlask
from webui.responses import KeyflowResponse


def _cases():
    yield "json", dict(response='{"a":1}\n', mimetype="application/json")
    yield "page", dict(response="<p>x</p>", mimetype="text/html", headers={"X-Request-ID": "r"})
    yield "redirect", dict(response="", status=302, headers={"Location": "/tasks/ä"})
    yield "content location", dict(response="x", headers={"Content-Location": "/ä"})
    yield "no content", dict(response="x", status=204)
    yield "not modified", dict(response="x", status=304, headers={"ETag": '"a"'})
    yield "informational", dict(response="", status=103)
    yield "stream", dict(response=[b"a", b"b"], mimetype="text/plain")  # no length set
    yield "error", dict(response='{"error":"x"}', status=409, mimetype="application/json")


@pytest.mark.parametrize("case", [name for name, _ in _cases()])
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_the_wsgi_response_is_werkzeugs(case, method):
    kwargs = dict(_cases())[case]
    environ = EnvironBuilder(path="/x", method=method, base_url="http://example.org/app").get_environ()
    ours, theirs = KeyflowResponse(**kwargs), Response(**kwargs)
    our_iter, our_status, our_headers = ours.get_wsgi_response(environ)
    their_iter, their_status, their_headers = theirs.get_wsgi_response(environ)
    assert (our_status, our_headers) == (their_status, their_headers)
    assert b"".join(our_iter) == b"".join(their_iter)
    # The response's own headers stay as they were.
    assert ours.headers.to_wsgi_list() == KeyflowResponse(**kwargs).headers.to_wsgi_list()


def test_werkzeug_still_answers_through_get_wsgi_response():
    # The fast path lives in `get_wsgi_response`; Werkzeug's `__call__` must still use it.
    calls = []

    class Spy(KeyflowResponse):
        def get_wsgi_response(self, environ):
            calls.append(environ)
            return super().get_wsgi_response(environ)

    environ = EnvironBuilder(path="/").get_environ()
    Spy("x")(environ, lambda status, headers, exc_info=None: None)
    assert calls == [environ]


def test_the_app_answers_with_keyflow_responses():
    assert KeyflowFlask.response_class is KeyflowResponse
