"""The API's JSON replies (webui.api.replies.json_reply) are what Flask's `jsonify` sends:
the same bytes, content type and status, with the view's headers, in and out of debug mode."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from flask import jsonify

from webui.api.replies import json_reply

VALUES = [
    {"tasks": [{"id": 1, "name": "大客户开发申请", "due_at": None, "overdue": False,
                "b": 1.5, "a": [1, "x", {"z": 1, "y": None}]}], "next": None},
    {"data": {"when": datetime(2026, 11, 30, 8, 30, tzinfo=UTC), "amount": Decimal("1.10")}},
    [], {}, "text", 0, None,
]


@pytest.mark.parametrize("value", VALUES, ids=range(len(VALUES)))
@pytest.mark.parametrize("debug", [False, True])
def test_a_reply_is_what_jsonify_sends(app, value, debug):
    app.debug = debug
    with app.test_request_context("/api/tasks"):
        expected, reply = jsonify(value), json_reply(value)
        assert reply.get_data() == expected.get_data()
        assert reply.content_type == expected.content_type == "application/json"
        assert reply.status_code == 200
        assert reply.headers["Content-Length"] == expected.headers["Content-Length"]


@pytest.mark.parametrize("debug", [False, True])
def test_a_reply_carries_its_status_and_headers(app, debug):
    app.debug = debug
    with app.test_request_context("/api/processes/x/instances", method="POST"):
        reply = json_reply({"id": 7}, 201, {"Location": "/api/instances/7"})
        assert (reply.status_code, reply.headers["Location"]) == (201, "/api/instances/7")
        assert reply.get_json() == {"id": 7}


def test_a_provider_that_writes_otherwise_is_followed(app):
    app.json.sort_keys = False
    app.json.ensure_ascii = False
    try:
        with app.test_request_context("/api/tasks"):
            value = {"b": "任务", "a": 1}
            assert json_reply(value).get_data() == jsonify(value).get_data() == \
                '{"b":"任务","a":1}\n'.encode()
    finally:
        del app.json.sort_keys, app.json.ensure_ascii
