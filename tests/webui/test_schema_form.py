"""JSON Schema → fields and posted form → data, without HTTP."""

from __future__ import annotations

import json
from pathlib import Path

from werkzeug.datastructures import MultiDict

from webui.tasks.messages import localized_errors
from webui.tasks.schema_form import build_fields, kind_of, parse_form

FORMS = Path(__file__).parents[1] / "data" / "webui_flow" / "forms"
REGISTER = json.loads((FORMS / "webui_register.json").read_text(encoding="utf-8"))


def test_kinds():
    props = REGISTER["properties"]
    assert [kind_of(props[k]) for k in ("customer", "volume", "visit_date", "industry",
                                         "channel", "plan", "strategic", "buyers")] == [
        "text", "number", "date", "select", "radio", "textarea", "checkbox", "table"]
    assert kind_of({"type": "integer"}) == "integer"
    assert kind_of({"type": "array", "items": {"enum": ["a"]}}) == "checkboxes"
    assert kind_of({"type": "array", "items": {"type": "string"}}) == "lines"
    assert kind_of({"type": "string", "format": "date-time"}) == "datetime"
    assert kind_of({"type": "object", "properties": {}}) == "group"


def test_parse_converts_types_and_drops_empty_inputs():
    form = MultiDict([("f.customer", "  甲  "), ("f.volume", "1,200"), ("f.visit_date", ""),
                      ("f.buyers.5.name", "A"), ("f.buyers.5.role", "buyer"),
                      ("f.buyers.2.name", ""), ("f.buyers.2.role", "")])
    data = parse_form(REGISTER, form)
    assert data == {"customer": "甲", "volume": 1200, "strategic": False,
                    "buyers": [{"name": "A", "role": "buyer"}]}


def test_parse_keeps_what_is_not_a_number_for_the_message():
    data = parse_form({"type": "object", "properties": {"n": {"type": "integer"},
                                                        "x": {"type": "number"}}},
                      MultiDict([("f.n", "1.5"), ("f.x", "nan")]))
    assert data == {"n": "1.5", "x": "nan"}


def test_other_widgets():
    schema = {"type": "object", "properties": {
        "tags": {"type": "array", "items": {"type": "string", "enum": ["a", "b", "c"]}},
        "lines": {"type": "array", "items": {"type": "string"}},
        "when": {"type": "string", "format": "date-time"},
        "level": {"type": "integer", "enum": [1, 2]},
        "addr": {"type": "object", "properties": {"city": {"type": "string"}}}}}
    form = MultiDict([("f.tags", "a"), ("f.tags", "c"), ("f.lines", "x\n\n y \n"),
                      ("f.when", "2026-03-02T09:30"), ("f.level", "2"),
                      ("f.addr.city", "成都")])
    data = parse_form(schema, form)
    assert data == {"tags": ["a", "c"], "lines": ["x", "y"],
                    "when": "2026-03-02T09:30:00+08:00", "level": 2, "addr": {"city": "成都"}}
    fields = {f.name: f for f in build_fields(schema, data, {"addr/city": "bad"})}
    assert fields["tags"].selected == ["a", "c"]
    assert fields["lines"].value == "x\ny"
    assert fields["when"].value == "2026-03-02T09:30"
    assert fields["level"].value == "2"
    assert fields["addr"].children[0].error == "bad"


def test_build_fields_labels_values_and_rows():
    fields = {f.name: f for f in build_fields(
        REGISTER, {"volume": 10, "buyers": [{"name": "A"}, {"name": "B"}]},
        {"buyers/1/role": "required"})}
    assert fields["volume"].value == "10" and fields["volume"].attrs["min"] == 0
    assert fields["customer"].required and not fields["strategic"].required
    rows = fields["buyers"].rows
    assert [i for i, _ in rows] == [0, 1]
    assert rows[1][1][1].error == "required"
    assert fields["buyers"].columns[0].input_name == "f.buyers.__i__.name"


def test_localized_errors_fall_back_to_the_engine_message(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        errors = localized_errors(REGISTER, {"volume": -1}, {"weird": "engine says"})
    assert errors["volume"] == "Must be at least 0."
    assert errors["customer"] == "This field is required."
    assert errors["weird"] == "engine says"


def test_a_malformed_address_gets_the_e_mail_message(app):
    schema = {"type": "object", "properties": {"mail": {"type": "string", "format": "email"}}}
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert localized_errors(schema, {"mail": "wang@"}, {}) == {
            "mail": "Enter a valid e-mail address."}
        assert localized_errors(schema, {"mail": "wang@keyflow.local"}, {}) == {}
    with app.test_request_context(headers={"Accept-Language": "zh"}):
        assert localized_errors(schema, {"mail": "wang@"}, {}) == {"mail": "请输入有效的电子邮箱。"}
