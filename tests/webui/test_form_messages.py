"""Validation messages are written for people (issue 13, item 2): per field, in the reader's
language, never jsonschema's own sentences; a group of checkboxes asks for a choice, not a row;
a rule the rows break says the form's own words."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from webui.tasks.messages import localized_errors

FORMS = Path(__file__).parents[2] / "processes" / "forms"
# Phrases of jsonschema's messages (they quote values and schemas at people).
RAW = ("is not valid", "does not contain", "is a required property", "is not of type",
       "is not one of", "should be non-empty", "is too long", "is too short",
       "is less than", "is greater than", "does not match", "is not a", "[", "{'")


def form(name):
    return json.loads((FORMS / f"{name}.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("lang,message", [("zh", "至少包括一名决策者。"),
                                          ("en", "Include at least one decider.")])
def test_a_buying_centre_without_a_decider_says_so_on_the_table(app, lang, message):
    with app.test_request_context(headers={"Accept-Language": lang}):
        errors = localized_errors(form("visit_buying_centre"), {
            "members": [{"name": "张工", "role": "user"}], "focus_notes": "x"}, {})
    assert errors == {"members": message}


@pytest.mark.parametrize("lang,message", [("zh", "请至少选择 1 项。"),
                                          ("en", "Choose at least 1 option.")])
def test_an_empty_group_of_checkboxes_asks_for_a_choice_not_a_row(app, lang, message):
    with app.test_request_context(headers={"Accept-Language": lang}):
        errors = localized_errors(form("visit_materials"), {"materials_sent": []}, {})
    assert errors["materials_sent"] == message


@pytest.mark.parametrize("lang,message", [("zh", "请输入有效的电子邮箱。"),
                                          ("en", "Enter a valid e-mail address.")])
def test_an_address_without_a_domain_is_refused(app, lang, message):
    with app.test_request_context(headers={"Accept-Language": lang}):
        errors = localized_errors(form("dev_register_prospect"), {"key_contact_email": "wang@"},
                                  {})
    assert errors["key_contact_email"] == message


def _bad_values(prop):
    """Values that break a property in every way a person (or a script) might."""
    kind = prop.get("type")
    if kind == "array":
        return [[], ["?"], [{"x": 1}] * 60, "text"]
    if kind in ("integer", "number"):
        return [-1, 1.5, "abc", 10**15]
    if kind == "boolean":
        return ["yes"]
    return ["", "x" * 5000, 12, "2026-02-30", "wang@"]


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("path", sorted(FORMS.glob("*.json")), ids=lambda p: p.stem)
def test_no_form_of_the_processes_shows_jsonschemas_own_words(app, path, lang):
    schema = json.loads(path.read_text(encoding="utf-8"))
    with app.test_request_context(headers={"Accept-Language": lang}):
        seen = dict(localized_errors(schema, {}, {}))
        for name, prop in schema.get("properties", {}).items():
            for value in _bad_values(prop):
                seen.update(localized_errors(schema, {name: value}, {}))
    assert seen  # every form refuses something
    raw = {field: text for field, text in seen.items() if any(p in text for p in RAW)}
    assert raw == {}
