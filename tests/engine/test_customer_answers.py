"""The customer's answer written into the fields its form declares (`x-keyflow-customer`), and
deployment refusing customer-lane forms that do not declare what the customer's page needs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from engine.customer_fields import Offer, customer_fields, offers
from engine.customer_links import CustomerAnswer, LinkRefused, answer_data
from engine.deployment import Bundle, compile_bundle
from engine.errors import InvalidData

ROOT = Path(__file__).parents[2]
FORMS = ROOT / "processes" / "forms"
VISIT_REMINDERS = ROOT / "tests" / "workers" / "data" / "visit_reminders"


def form(name: str) -> dict:
    return json.loads((FORMS / f"{name}.json").read_text(encoding="utf-8"))


def test_visit_appointment_answers():
    schema = form("visit_confirm_appointment")
    assert answer_data(schema, CustomerAnswer("confirm")) == {"appointment_answer": "confirm"}
    assert answer_data(schema, CustomerAnswer("propose", "2026-04-01", "afternoon")) == {
        "appointment_answer": "reschedule", "alternative_date": "2026-04-01",
        "customer_message": "afternoon"}
    assert answer_data(schema, CustomerAnswer("decline", comment="busy")) == {
        "appointment_answer": "decline", "customer_message": "busy"}


def test_reception_answers_include_cancel_but_not_decline():
    schema = form("reception_confirm_arrival")  # its third choice is `cancel`, drawn as such
    assert customer_fields(form("visit_confirm_appointment")).can_decline  # the page offers it
    assert not customer_fields(schema).can_decline
    assert answer_data(schema, CustomerAnswer("propose", "2026-04-01")) == {
        "arrival_answer": "reschedule", "alternative_date": "2026-04-01"}
    assert answer_data(schema, CustomerAnswer("cancel", comment="plans changed")) == {
        "arrival_answer": "cancel", "customer_message": "plans changed"}
    for refused in ("decline", "reschedule_", "confirmed"):
        with pytest.raises(InvalidData):
            answer_data(schema, CustomerAnswer(refused))


def test_the_page_offers_every_answer_the_form_lists_with_its_titles():
    assert offers(form("reception_confirm_arrival")) == [
        Offer("confirm", "确认到访", "Confirm"),
        Offer("propose", "另约时间", "Propose another date"),
        Offer("cancel", "取消来访", "Cancel the visit")]
    assert [o.action for o in offers(form("visit_confirm_appointment"))] == [
        "confirm", "propose", "decline"]
    assert [o.needs_date for o in offers(form("visit_confirm_appointment"))] == [
        False, True, False]
    boolean = {"properties": {"ok": {"type": "boolean", "x-keyflow-customer": "answer"}}}
    assert [o.action for o in offers(boolean)] == ["confirm", "propose"]
    untitled = {"properties": {"a": {"type": "string", "enum": ["confirm", "reschedule"],
                                     "x-keyflow-customer": "answer"}}}
    assert offers(untitled)[0] == Offer("confirm", "confirm", "confirm")
    assert offers(None) == []


@pytest.mark.parametrize("action", ["", "Confirm", "x" * 17, "confirm\n", "1abc", "a-b"])
def test_an_action_that_is_no_choice_name_is_an_invalid_link(action):
    with pytest.raises(LinkRefused):
        CustomerAnswer(action)


def test_decline_needs_a_form_that_offers_it():
    boolean = {"properties": {
        "confirmed": {"type": "boolean", "x-keyflow-customer": "answer"},
        "proposed_date": {"type": "string", "x-keyflow-customer": "date"},
        "customer_comment": {"type": "string", "x-keyflow-customer": "comment"}}}
    assert answer_data(boolean, CustomerAnswer("confirm")) == {"confirmed": True}
    with pytest.raises(InvalidData) as caught:
        answer_data(boolean, CustomerAnswer("decline"))
    assert "not offered" in caught.value.message


def test_the_declared_fields_are_used_whatever_their_names():
    schema = {"properties": {
        "reply": {"type": "string", "enum": ["confirm", "reschedule", "decline"],
                  "x-keyflow-customer": "answer"},
        "comment": {"type": "string"},  # a staff note: not declared, so never written
        "when": {"type": "string", "x-keyflow-customer": "date"},
        "other_date": {"type": "string", "format": "date"},
        "words": {"type": "string", "x-keyflow-customer": "comment"}}}
    assert answer_data(schema, CustomerAnswer("propose", "2026-04-01", "pm")) == {
        "reply": "reschedule", "when": "2026-04-01", "words": "pm"}
    assert answer_data(schema, CustomerAnswer("decline", comment="no")) == {
        "reply": "decline", "words": "no"}


@pytest.mark.parametrize("schema", [
    None,
    {"properties": {"confirmed": {"type": "boolean"}, "proposed_date": {"type": "string"},
                    "customer_comment": {"type": "string"}}},
], ids=["no form", "nothing declared"])
def test_a_form_that_declares_nothing_is_not_guessed_at(schema):
    with pytest.raises(InvalidData) as caught:
        answer_data(schema, CustomerAnswer("confirm"))
    assert "x-keyflow-customer" in caught.value.message


def _problems(customer_form: dict[str, Any] | None, form_key: str | None = "customer_confirm"
              ) -> set[tuple[str | None, str | None, str]]:
    """Compile the visit_reminders bundle with its customer task's form replaced."""
    bpmn = (VISIT_REMINDERS / "visit_reminders.bpmn").read_text(encoding="utf-8")
    if form_key != "customer_confirm":
        old = '<spiffworkflow:property name="formKey" value="customer_confirm" />'
        assert old in bpmn
        bpmn = bpmn.replace(old, "" if form_key is None else old.replace(
            "customer_confirm", form_key))
    items = [("visit_reminders.bpmn", bpmn.encode()),
             ("forms/plan.json", (VISIT_REMINDERS / "forms" / "plan.json").read_bytes())]
    if customer_form is not None:
        items.append(("forms/customer_confirm.json", json.dumps(customer_form).encode()))
    _compiled, problems = compile_bundle(Bundle.from_items(items))
    return {(p.file, p.element_id, p.reason) for p in problems}


def _declared(**overrides: Any) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "confirmed": {"type": "boolean", "x-keyflow-customer": "answer"},
        "proposed_date": {"type": "string", "format": "date", "x-keyflow-customer": "date"},
        "customer_comment": {"type": "string", "x-keyflow-customer": "comment"}}
    properties.update(overrides)
    return {"type": "object", "properties": {k: v for k, v in properties.items() if v}}


def test_the_bundled_forms_declare_the_customers_fields():
    assert _problems(_declared()) == set()
    compiled, problems = compile_bundle(Bundle.from_folder(ROOT / "processes"))
    assert problems == []
    customer_forms = {t.form_key for c in compiled.values() for t in c.user_tasks.values()
                      if t.role == "customer"}
    assert customer_forms == {"visit_confirm_appointment", "reception_confirm_arrival"}


def test_a_customer_task_needs_a_form_declaring_answer_date_and_comment():
    found = _problems(_declared(proposed_date=None, customer_comment=None))
    assert {(f, e) for f, e, _ in found} == {("visit_reminders.bpmn", "confirm")}
    reasons = sorted(r for _, _, r in found)
    assert len(reasons) == 2
    assert "forms/customer_confirm.json#/properties" in reasons[0]
    assert '"x-keyflow-customer": "comment"' in reasons[0]
    assert '"x-keyflow-customer": "date"' in reasons[1]
    [(file, element, reason)] = _problems(None, form_key=None)
    assert (file, element) == ("visit_reminders.bpmn", "confirm")
    assert "needs a form" in reason


@pytest.mark.parametrize("change,pointer,words", [
    ({"customer_comment": {"type": "string", "x-keyflow-customer": "remark"}},
     "#/properties/customer_comment/x-keyflow-customer", "'remark' is not one of"),
    ({"confirmed": {"type": "string", "x-keyflow-customer": "answer"}},
     "#/properties/confirmed", "a boolean, or a string with an enum"),
    ({"confirmed": {"type": "string", "enum": ["yes", "no"], "x-keyflow-customer": "answer"}},
     "#/properties/confirmed/enum", '"confirm" and "reschedule"'),
    ({"proposed_date": {"type": "integer", "x-keyflow-customer": "date"}},
     "#/properties/proposed_date", "must be a string"),
    ({"second_date": {"type": "string", "x-keyflow-customer": "date"}},
     "#/properties/second_date/x-keyflow-customer", "already declared on 'proposed_date'"),
], ids=["unknown value", "answer not a choice", "choice without the page's values",
        "date not a string", "declared twice"])
def test_wrong_declarations_are_refused_with_the_json_pointer(change, pointer, words):
    found = [(f, e, r) for f, e, r in _problems(_declared(**change))
             if f == "forms/customer_confirm.json"]
    assert [(f, e) for f, e, _ in found] == [("forms/customer_confirm.json", pointer)]
    assert words in found[0][2]


def test_a_declaration_outside_the_top_level_fields_is_refused():
    schema = _declared()
    schema["$defs"] = {"note": {"type": "string", "x-keyflow-customer": "comment"}}
    [(file, element, reason)] = _problems(schema)
    assert (file, element) == ("forms/customer_confirm.json",
                               "#/$defs/note/x-keyflow-customer")
    assert "top-level properties" in reason


def test_staff_forms_are_checked_too_but_need_no_declaration():
    plan_with_typo = {"type": "object", "properties": {
        "note": {"type": "string", "x-keyflow-customer": "coment"}}}
    bpmn = (VISIT_REMINDERS / "visit_reminders.bpmn").read_bytes()
    items = [("visit_reminders.bpmn", bpmn), ("forms/plan.json",
                                              json.dumps(plan_with_typo).encode()),
             ("forms/customer_confirm.json", json.dumps(_declared()).encode())]
    _compiled, problems = compile_bundle(Bundle.from_items(items))
    assert [(p.file, p.element_id) for p in problems] == [
        ("forms/plan.json", "#/properties/note/x-keyflow-customer")]
