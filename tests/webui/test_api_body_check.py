"""The plain-schema predicate (webui.api.schema_check) answers as jsonschema does: for every
request body schema of the document it can take, and for the keywords it checks, on bodies
that fit and bodies that break them in each way."""

from __future__ import annotations

import itertools
import math
import random

import pytest
from jsonschema import Draft202012Validator

from webui.api.contract import schema_validator
from webui.api.openapi import document
from webui.api.schema_check import plain_check

# Values of every JSON kind, with the edges of the checked keywords (lengths, bounds,
# integral floats, booleans that are not numbers, NaN and infinities).
VALUES = [None, True, False, 0, 1, -1, 7, 120, 121, 2**70, 0.0, 1.0, 1.5, -0.5, 120.0, 120.5,
          math.inf, -math.inf, math.nan, "", "a", "ab", "x" * 80, "x" * 81, "汉" * 120,
          "汉" * 121, [], [1], ["a", 2], [None] * 21, {}, {"a": 1}, {"data": {}},
          {"data": "text"}, {"data": None}, {"data": {"volume": 6000}}]

SCHEMAS = [
    True, False, {}, {"description": "anything"},
    {"type": "object"}, {"type": "integer"}, {"type": "number"}, {"type": "string"},
    {"type": "boolean"}, {"type": "null"}, {"type": "array"},
    {"type": ["string", "null"], "maxLength": 80},
    {"type": ["integer", "null"], "minimum": 0, "maximum": 120},
    {"minimum": 1.5}, {"maximum": -0.5}, {"minLength": 1}, {"maxLength": 0},
    {"maxItems": 1, "items": {"type": "integer"}}, {"items": False}, {"items": True},
    {"type": "object", "required": ["data"]},
    {"type": "object", "properties": {"data": {"type": "object"}},
     "additionalProperties": False},
    {"properties": {"a": {"type": "integer", "maximum": 0}},
     "additionalProperties": {"type": "string"}},
    {"type": "object", "properties": {"data": {"type": "object", "description": "form data"},
                                      "business_key": {"type": ["string", "null"],
                                                       "maxLength": 120}}},
]


def expected(schema, value) -> bool:
    return not list(Draft202012Validator(schema).iter_errors(value))


@pytest.mark.parametrize("schema", SCHEMAS, ids=lambda s: str(s)[:60])
def test_the_predicate_answers_as_jsonschema(schema):
    check = plain_check(schema)
    assert check is not None
    for value in VALUES:
        assert check(value) == expected(schema, value), value
    for a, b in itertools.product(VALUES[:12], VALUES[20:]):
        body = {"data": a, "business_key": b, "a": b, "extra": a}
        assert check(body) == expected(schema, body), body


def test_random_bodies_get_the_same_answer_for_every_request_schema_of_the_document():
    rng = random.Random(12)
    checked = 0
    for path, item in document()["paths"].items():
        for method, op in item.items():
            if "application/json" not in op.get("requestBody", {}).get("content", {}):
                continue
            validator = schema_validator("paths", path, method, "requestBody", "content",
                                         "application/json", "schema")
            check = plain_check(validator.schema)
            if check is None:
                continue
            checked += 1
            names = list(validator.schema.get("properties", {})) + ["other"]
            for _ in range(300):
                body = {name: rng.choice(VALUES) for name in rng.sample(
                    names, rng.randint(0, len(names)))}
                assert check(body) == validator.is_valid(body), (path, method, body)
            for value in VALUES:  # bodies that are no object at all
                assert check(value) == validator.is_valid(value), (path, method, value)
    assert checked >= 2  # at least the start and the complete bodies


def test_the_hot_request_bodies_have_a_predicate():
    for path, method in (("/api/processes/{key}/instances", "post"),
                         ("/api/tasks/{id}/complete", "post")):
        validator = schema_validator("paths", path, method, "requestBody", "content",
                                     "application/json", "schema")
        assert plain_check(validator.schema) is not None


@pytest.mark.parametrize("schema", [
    {"pattern": "^a"}, {"enum": [1]}, {"allOf": [{}]}, {"$ref": "#/x"}, {"format": "date"},
    {"type": "integer", "maximum": True}, {"maxLength": -1}, {"maxLength": 1.5},
    {"type": "float"}, {"type": []}, {"items": {"pattern": "a"}},
    {"properties": {"a": {"enum": [1]}}}, {"additionalProperties": {"const": 1}},
    {"required": "data"},
])
def test_other_keywords_are_left_to_jsonschema(schema):
    assert plain_check(schema) is None
