"""Validation messages in the user's language, next to the engine's field paths."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jsonschema.exceptions import ValidationError

from engine.forms import validation_errors
from engine.models import HumanTask

from ..display import schema_description
from ..i18n import N_, _, ngettext, pick

FORMAT_MESSAGES = {
    "date": N_("Enter a valid date."),
    "date-time": N_("Enter a valid date and time."),
    "email": N_("Enter a valid e-mail address."),
}


def _path(error: ValidationError) -> str:
    path = "/".join(str(p) for p in error.path)
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else ""
        path = f"{path}/{missing}".strip("/")
    return path


def message_for(error: ValidationError) -> str:
    """One schema error as a sentence a user understands."""
    kind, limit = error.validator, error.validator_value
    if kind == "required":
        return _("This field is required.")
    if kind == "type":
        expected = limit if isinstance(limit, str) else "value"
        if expected == "integer":
            return _("Enter a whole number.")
        if expected == "number":
            return _("Enter a number.")
        return _("This value has the wrong type.")
    if kind == "minimum":
        return _("Must be at least {limit}.", limit=limit)
    if kind == "maximum":
        return _("Must be at most {limit}.", limit=limit)
    if kind == "exclusiveMinimum":
        return _("Must be more than {limit}.", limit=limit)
    if kind == "exclusiveMaximum":
        return _("Must be less than {limit}.", limit=limit)
    if kind == "minLength":
        if limit == 1:
            return _("This field is required.")
        return ngettext("Enter at least {n} character.", "Enter at least {n} characters.",
                        limit)
    if kind == "maxLength":
        return ngettext("Enter at most {n} character.", "Enter at most {n} characters.",
                        limit)
    if kind == "format":
        if str(limit) in FORMAT_MESSAGES:
            return _(FORMAT_MESSAGES[str(limit)])
        return _("The value has the wrong format.")
    if kind == "pattern":
        return _("The value has the wrong format.")
    if kind in ("minItems", "maxItems"):
        return _items_message(kind, limit, error.schema)
    if kind in ("contains", "minContains", "maxContains"):
        # The form's own words for the rule (`description`), else a general sentence.
        rule = schema_description(error.schema) if isinstance(error.schema, Mapping) else ""
        return _sentence(rule) if rule else _("None of the rows meets this field's rule.")
    if kind == "uniqueItems":
        return _("Each entry may appear only once.")
    if kind == "multipleOf":
        return _("Must be a multiple of {limit}.", limit=limit)
    if kind in ("const", "enum"):
        return _("Choose one of the options.")
    if kind == "additionalProperties":
        return _("Unknown field.")
    if kind == "dependentRequired":
        return _("This field is required.")
    if kind == "form":
        return _("This form cannot be checked; a process owner must deploy a fixed version.")
    if kind == "depth":
        return _("The data is nested too deeply.")
    # anyOf, oneOf, not, if/then without a finer error…: never jsonschema's own sentence,
    # which quotes the value and the schema.
    return _("This value is not allowed here.")


def _items_message(kind: str, limit: int, schema: Any) -> str:
    """Too few or too many rows, or choices for a group of checkboxes."""
    items = schema.get("items") if isinstance(schema, Mapping) else None
    choices = isinstance(items, Mapping) and "enum" in items
    if kind == "minItems":
        if choices:
            return ngettext("Choose at least {n} option.", "Choose at least {n} options.", limit)
        return ngettext("Add at least {n} row.", "Add at least {n} rows.", limit)
    if choices:
        return ngettext("Choose at most {n} option.", "Choose at most {n} options.", limit)
    return ngettext("Add at most {n} row.", "Add at most {n} rows.", limit)


def localized_errors(schema: Mapping[str, Any] | None, data: Any,
                     engine_details: Mapping[str, str] | None) -> dict[str, str]:
    """Field path -> message: ours where we can phrase it, else the engine's."""
    found: dict[str, str] = {}
    if schema:
        for error in validation_errors(schema, data):  # the engine's own, safe checks
            found.setdefault(_path(error), message_for(error))
    for key, text in (engine_details or {}).items():
        found.setdefault(str(key), str(text))
    return found


def notices_of(task: HumanTask) -> list[dict[str, str]]:
    """Why a process check sent `task` back: [{field, message}] in the request's language."""
    return [{"field": str(n.get("field") or ""),
             "message": pick(n.get("message"), n.get("message_en"))}
            for n in task.notices or () if isinstance(n, dict)]


def notice_errors(notices: list[dict[str, str]], props: Mapping[str, Any]) -> dict[str, str]:
    """The notices on the form's fields (several on one field in one sentence each)."""
    found: dict[str, list[str]] = {}
    for notice in notices:
        if notice["field"] in props:
            found.setdefault(notice["field"], [])
            if notice["message"] not in found[notice["field"]]:
                found[notice["field"]].append(notice["message"])
    return {name: _sentences(messages) for name, messages in found.items()}


def _sentences(messages: list[str]) -> str:
    text = ""
    for message in messages:
        sentence = _sentence(message)
        text += (" " if text and not text.endswith("。") else "") + sentence
    return text


def _sentence(message: str) -> str:
    """A script's reason as a sentence ("…今天" -> "…今天。", "…past" -> "…past.")."""
    text = message.strip()
    if not text or text[-1] in ".。!！?？":
        return text
    return text + ("。" if ord(text[-1]) > 0x2E80 else ".")
