"""The bundle's forms mark the customer's contact data (`x-keyflow-contact`), which retention
may blank; nothing an indicator reads is marked (tests/kpis/test_kpis_after_retention.py)."""

from __future__ import annotations

from pathlib import Path

from engine.deployment import Bundle, compile_bundle
from engine.retention import contact_fields

PROCESSES = Path(__file__).parents[2] / "processes"


def test_the_contact_fields_of_each_process():
    compiled, problems = compile_bundle(Bundle.from_folder(PROCESSES))
    assert problems == []
    marked = {key: contact_fields(process.forms.values()) for key, process in compiled.items()}
    assert marked == {
        "key_account_development": {
            "key_contact_name", "key_contact_position", "key_contact_phone",
            "key_contact_email", "key_contact_age", "key_contact_character",
            "key_contact_hobbies", "key_contact_birthday", "key_contact_children"},
        "key_account_visit": {"name", "position", "contact", "notes", "contact_person",
                              "customer_email"},
        "customer_reception": {"customer_email", "name", "position"},
    }
