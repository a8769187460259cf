"""The customer's answer fitted to the department's real confirmation forms."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.customer_links import CustomerAnswer, answer_data
from engine.errors import InvalidData

FORMS = Path(__file__).parents[2] / "processes" / "forms"


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


def test_decline_needs_a_form_that_offers_it():
    with pytest.raises(InvalidData):
        answer_data({"properties": {"confirmed": {"type": "boolean"}}},
                    CustomerAnswer("decline"))
