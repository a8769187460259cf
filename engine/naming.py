"""The names people read instead of codes: a process's and its elements' names from the
diagram, its forms' field titles and choice titles, customer classes and people's names.

One lookup for every page, mail and export (issue 13, item 5): a process key
(`key_account_development`), an element id (`register_prospect`), an enum code (`road_bridge`)
or a user name never reaches a reader where a name exists. Names come in the reader's
language through `Texts.name` (Chinese in the diagram's `name` and the forms' `title`,
English in the first documentation line and `x-title-en`). Values are worded by
engine.form_values.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from engine.deployment.compile import english_name
from engine.deployment.start_form import start_form_key
from engine.i18n import N_, Texts

if TYPE_CHECKING:
    from engine.deployment import CompiledProcess

# Class codes written by processes/customer_classification.dmn (engine/models/customers.py).
CUSTOMER_CLASSES: dict[str, str] = {
    "quality": N_("Quality customer"), "high_value": N_("High-value customer"),
    "group": N_("Group customer"), "strategic": N_("Strategic customer"),
    "potential": N_("Potential key account"),
}


def customer_class_name(t: Texts, code: str) -> str:
    """A customer class ('high_value') in words; an unknown code as it is."""
    return t._(CUSTOMER_CLASSES[code]) if code in CUSTOMER_CLASSES else code


def person_name(display_name: str | None, username: str) -> str:
    """How a person is named to others: their display name, else their user name."""
    return (display_name or "").strip() or username


def _element_specs(compiled: CompiledProcess) -> Iterator[Any]:
    for spec in (compiled.spec, *compiled.subprocess_specs.values()):
        yield from spec.task_specs.values()


@dataclass
class ProcessNames:
    """The names of one process version: itself, its elements, its forms' fields."""

    key: str
    name: str
    name_en: str
    elements: dict[str, tuple[str, str]] = field(default_factory=dict)  # id -> (zh, en)
    forms: dict[str, dict[str, Any]] = field(default_factory=dict)
    task_forms: dict[str, str] = field(default_factory=dict)  # element id -> form key
    start_form: str | None = None

    @classmethod
    def of(cls, compiled: CompiledProcess) -> ProcessNames:
        """The names in a compiled process (its diagram and forms)."""
        elements: dict[str, tuple[str, str]] = {}
        for spec in _element_specs(compiled):
            bpmn_id = getattr(spec, "bpmn_id", None)
            name = getattr(spec, "bpmn_name", None) or ""
            if bpmn_id and name and bpmn_id not in elements:
                english = english_name(getattr(spec, "documentation", None))
                elements[bpmn_id] = (name, english or name)
        return cls(compiled.key, compiled.name, compiled.name_en, elements,
                   dict(compiled.forms),
                   {i.bpmn_id: i.form_key for i in compiled.user_tasks.values() if i.form_key},
                   start_form_key(compiled.spec))

    def process(self, t: Texts) -> str:
        """The process's name for the reader."""
        return t.name(self.name, self.name_en)

    def element(self, t: Texts, bpmn_id: str | None) -> str:
        """An element's name for the reader; '' when the diagram gives it none."""
        zh, en = self.elements.get(bpmn_id or "", ("", ""))
        return t.name(zh, en)

    def form_of(self, bpmn_id: str | None) -> dict[str, Any] | None:
        """The form of a user task (or of the start event when `bpmn_id` is None)."""
        key = self.task_forms.get(bpmn_id) if bpmn_id else self.start_form
        return self.forms.get(key) if key else None

    def field_schema(self, name: str) -> dict[str, Any] | None:
        """The first form property called `name` (a process variable a form defines)."""
        for schema in self.forms.values():
            prop = (schema.get("properties") or {}).get(name)
            if isinstance(prop, dict):
                return prop
        return None

    def defines(self, name: str) -> bool:
        """Whether some form of the process asks for variable `name`."""
        return self.field_schema(name) is not None


def field_title(t: Texts, schema: dict[str, Any] | None) -> str:
    """A form or field title for the reader ('' without one): `title`, `x-title-en`."""
    if not schema:
        return ""
    return t.name(schema.get("title"), schema.get("x-title-en"))


def choice_title(t: Texts, schema: dict[str, Any] | None, code: Any) -> str | None:
    """The title of choice `code` of an enum field (`x-enum-titles`, `x-enum-titles-en`)."""
    if not schema or code not in (schema.get("enum") or []):
        return None
    i = list(schema["enum"]).index(code)
    zh, en = (list(schema.get(k) or []) for k in ("x-enum-titles", "x-enum-titles-en"))
    return t.name(zh[i] if i < len(zh) else None, en[i] if i < len(en) else None) or None
