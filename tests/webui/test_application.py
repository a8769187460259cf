"""keyflow's request class: Flask's, its blueprints worked out once per endpoint."""

from __future__ import annotations

from flask import Blueprint, Request, request

from webui.application import KeyflowFlask, KeyflowRequest


def test_a_requests_blueprints_are_flasks():
    app = KeyflowFlask(__name__)
    outer, inner = Blueprint("outer", __name__), Blueprint("inner", __name__)
    ran = []
    inner.before_request(lambda: ran.append("inner before") and None)
    outer.before_request(lambda: ran.append("outer before") and None)
    inner.add_url_rule("/x", "x", lambda: "")
    outer.register_blueprint(inner, url_prefix="/inner")
    app.register_blueprint(outer, url_prefix="/outer")
    app.add_url_rule("/plain", "plain", lambda: "")
    for path, expected in (("/outer/inner/x", ["outer.inner", "outer"]), ("/plain", []),
                           ("/missing", [])):
        for _ in range(2):  # worked out, then remembered
            with app.test_request_context(path):
                assert isinstance(request._get_current_object(), KeyflowRequest)
                assert request.blueprints == expected == Request.blueprints.fget(request)
    # Flask still runs the hooks of the request's blueprints (it asks `request.blueprints`).
    assert app.test_client().get("/outer/inner/x").status_code == 200
    assert ran == ["outer before", "inner before"]
