"""Odd input gets a precise 4xx with a message, never a 500: NUL characters (PostgreSQL refuses
them in text) in query strings, forms and JSON bodies, and JSON nested thousands deep."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import func, select
from webui_env import START, Client, make_app, populate

from engine.clock import MovableClock
from engine.db import make_session_factory
from engine.models import ProcessInstance


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_app(request) -> Iterator[Flask]:
    """The app on SQLite, then on PostgreSQL (where NUL used to be a 500)."""
    if request.param == "sqlite":
        yield request.getfixturevalue("app")
        return
    pg_engine = request.getfixturevalue("pg_engine")
    request.getfixturevalue("committed_pg")  # emptied before and after
    with make_session_factory(pg_engine)() as session:
        populate(session, MovableClock(START))
        session.commit()
    app = make_app(pg_engine.url.render_as_string(hide_password=False), MovableClock(START),
                   request.getfixturevalue("tmp_path"))
    yield app
    app.extensions["keyflow.db_engine"].dispose()


def instances(app: Flask) -> int:
    with app.extensions["keyflow.sessions"]() as s:
        return int(s.scalar(select(func.count()).select_from(ProcessInstance)) or 0)


NUL_QUERIES = ["/api/tasks?scope=role&q=a%00b", "/api/tasks?process=web%00ui_flow",
               "/?q=%00", "/?process=approval%00", "/customers?q=x%00"]


@pytest.mark.parametrize("url", NUL_QUERIES)
def test_nul_in_a_query_string_is_a_422_naming_the_field(any_app, url):
    response = Client(any_app, "senior_manager").get(url, headers={"Accept": "application/json"})
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] == "invalid_data" and "NUL" in body["message"]
    assert set(body["details"]) <= {"q", "process"} and body["details"]


def test_nul_in_a_form_field_is_a_422_and_nothing_starts(any_app):
    before = instances(any_app)
    response = Client(any_app, "senior_manager").post(
        "/processes/approval/start", {"customer_name": "中铁\x00十局"})
    assert response.status_code == 422
    assert "customer_name" in response.get_data(as_text=True)
    assert instances(any_app) == before


@pytest.mark.parametrize("body", [
    {"customer_name": "中铁\u0000十局"}, {"business_key": "k\u0000"},
    {"data": {"title": "t", "notes": ["fine", {"deep": "nul\u0000here"}]}},
    {"data": {"key\u0000": 1}},
])
def test_nul_anywhere_in_a_json_body_is_a_422_and_nothing_starts(any_app, body):
    before = instances(any_app)
    response = Client(any_app, "senior_manager").post_json(
        "/api/processes/approval/instances", body)
    assert response.status_code == 422
    assert "NUL" in response.get_json()["message"]
    assert instances(any_app) == before


def deep(levels: int) -> str:
    return json.dumps({"data": {"title": "t"}})[:-1] + ', "x": ' + "[" * levels + "]" * levels + "}"


@pytest.mark.parametrize("url", ["/api/processes/approval/instances", "/api/tasks/1/complete",
                                 "/editor/approval/validate"])
@pytest.mark.parametrize("levels,status", [(5000, 400), (200, 422)])
def test_json_nested_too_deep_is_refused_with_a_message(any_app, url, levels, status):
    client = Client(any_app, "process_owner")
    response = client.http.post(url, data=deep(levels), content_type="application/json",
                                headers={"X-CSRF-Token": client.csrf, "Accept": "application/json"})
    assert response.status_code == status  # 400: Python cannot parse it; 422: parsed, refused
    assert "nested too deeply" in response.get_json()["message"]


def test_json_within_the_depth_limit_still_works(any_app):
    response = Client(any_app, "senior_manager").post_json(
        "/api/processes/approval/instances", {"data": {"a": [[[[{"b": [1]}]]]]}})
    assert response.status_code == 201
