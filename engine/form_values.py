"""Entered values as a reader reads them, worded by the form field that asked for them.

Choices by their titles, yes/no in words, numbers with the language's separators
(`600,000`), dates in words (`2026年3月10日`, `March 10, 2026`), lists of choices as a list
and lists of rows (the buying centre's members) as rows of labelled cells. Babel does the
formatting (engine/i18n.Texts); nothing here knows a language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from babel.lists import format_list

from engine.i18n import Texts
from engine.naming import choice_title, field_title

NUMBER = "#,##0.##"  # amounts in CNY and volumes in 方 alike: the unit is in the field's title


@dataclass(frozen=True)
class Entry:
    """One entered value: its variable, the field's label, and the value in words (`text`),
    or for a list of objects, its rows of (label, text) cells."""

    name: str
    label: str
    text: str
    rows: tuple[tuple[tuple[str, str], ...], ...] = ()


def _date(t: Texts, value: str) -> str:
    try:
        return t.day(date.fromisoformat(value[:10]))
    except ValueError:
        return value


def word(t: Texts, schema: dict[str, Any] | None, value: Any) -> str:
    """`value` in words, as field `schema` (None: no form defines it) asked for it."""
    schema = schema or {}
    if value is None:
        return ""
    title = choice_title(t, schema, value)
    if title is not None:
        return title
    if isinstance(value, bool):
        return t._("yes") if value else t._("no")
    if isinstance(value, int | float):
        return t.decimal(value, NUMBER)
    if isinstance(value, str):
        return _date(t, value) if schema.get("format") == "date" else value
    if isinstance(value, list):
        items = schema.get("items") if isinstance(schema.get("items"), dict) else None
        return format_list([word(t, items, v) for v in value], locale=t.locale) if value else ""
    if isinstance(value, dict):
        return "; ".join(f"{label}: {text}" for label, text in cells(t, schema, value))
    return str(value)


def cells(t: Texts, schema: dict[str, Any] | None, row: dict[str, Any]
          ) -> list[tuple[str, str]]:
    """The labelled values of an object; properties no form defines are left out."""
    props = (schema or {}).get("properties") or {}
    return [(field_title(t, props[k]) or k, word(t, props[k], v))
            for k, v in row.items() if isinstance(props.get(k), dict) and v not in (None, "")]


def entry(t: Texts, name: str, schema: dict[str, Any] | None, value: Any) -> Entry:
    """One value with its field's label (its variable name only where no form defines it)."""
    label = field_title(t, schema) or name
    items = (schema or {}).get("items")
    if (isinstance(value, list) and value and isinstance(items, dict)
            and all(isinstance(v, dict) for v in value)):
        rows = tuple(tuple(cells(t, items, v)) for v in value)
        return Entry(name, label, "", rows)
    return Entry(name, label, word(t, schema, value))


def form_entries(t: Texts, form: dict[str, Any] | None, data: dict[str, Any]) -> list[Entry]:
    """What was entered on `form`, in the form's order, labelled; empty answers and values
    the form does not ask for are left out."""
    props = (form or {}).get("properties") or {}
    return [entry(t, name, props[name], data[name]) for name in props
            if isinstance(props[name], dict) and name in data
            and data[name] not in (None, "", [])]
