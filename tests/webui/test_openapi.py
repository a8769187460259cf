"""The OpenAPI document names every /api/ route and is a valid OpenAPI 3.1 document."""

from __future__ import annotations

from openapi_spec_validator import validate

from webui.api.contract import openapi_path as _openapi_path


def test_every_api_route_is_documented_and_the_document_validates(app):
    document = app.test_client().get("/api/openapi.json").get_json()
    validate(document)
    assert document["openapi"].startswith("3.1")
    paths = document["paths"]
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        path = _openapi_path(rule.rule)
        assert path in paths, path
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert method.lower() in paths[path], (path, method)
    documented = {p for p in paths}
    served = {_openapi_path(r.rule) for r in app.url_map.iter_rules()
              if r.rule.startswith("/api/")}
    assert documented == served
