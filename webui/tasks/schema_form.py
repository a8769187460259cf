"""A task's JSON Schema as HTML form fields, and the posted form back as JSON data.

Convention of keyflow's forms: `title` is Chinese, `x-title-en` English (same for
`description`); enum values are codes labelled by `x-enum-titles` / `x-enum-titles-en`;
`"x-widget": "textarea" | "radio"` picks a widget. Inputs are named `f.<path>` where
list rows add their index: `f.buyers.0.name`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from werkzeug.datastructures import MultiDict

from ..display import enum_labels, schema_description, schema_title

PREFIX = "f."


@dataclass
class Field:
    """One input (or a list of rows, or a group) ready for the template."""

    name: str
    path: str  # the error key: "buyers/0/name"
    input_name: str
    kind: str
    label: str
    hint: str = ""
    required: bool = False
    value: str = ""
    checked: bool = False
    selected: list[str] = field(default_factory=list)
    options: list[tuple[str, str]] = field(default_factory=list)
    error: str = ""
    attrs: dict[str, Any] = field(default_factory=dict)
    columns: list[Field] = field(default_factory=list)  # a blank row, index "__i__"
    rows: list[tuple[int, list[Field]]] = field(default_factory=list)
    children: list[Field] = field(default_factory=list)

    @property
    def html_id(self) -> str:
        """A DOM id derived from the input name."""
        return "f-" + self.input_name[len(PREFIX):].replace(".", "-")


def kind_of(schema: Mapping[str, Any]) -> str:
    """The widget for a property schema."""
    kind = schema.get("type")
    widget = schema.get("x-widget")
    if "enum" in schema and kind != "array":
        return "radio" if widget == "radio" else "select"
    if kind == "boolean":
        return "checkbox"
    if kind == "integer":
        return "integer"
    if kind == "number":
        return "number"
    if kind == "array":
        items = schema.get("items") or {}
        if items.get("type") == "object":
            return "table"
        return "checkboxes" if "enum" in items else "lines"
    if kind == "object":
        return "group"
    fmt = schema.get("format")
    if fmt == "date":
        return "date"
    if fmt == "date-time":
        return "datetime"
    if fmt == "email":
        return "email"
    return "textarea" if widget == "textarea" else "text"


def _scalar_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def _attrs(schema: Mapping[str, Any], kind: str) -> dict[str, Any]:
    attrs: dict[str, Any] = {}
    if kind in ("integer", "number"):
        attrs["step"] = "1" if kind == "integer" else "any"
        for key, attr in (("minimum", "min"), ("maximum", "max")):
            if key in schema:
                attrs[attr] = schema[key]
    if kind in ("text", "textarea", "email") and "maxLength" in schema:
        attrs["maxlength"] = schema["maxLength"]
    return attrs


def build_fields(schema: Mapping[str, Any], values: Mapping[str, Any] | None,
                 errors: Mapping[str, str] | None, path: str = "") -> list[Field]:
    """Fields of an object schema, filled with `values` and `errors` (keyed by path)."""
    values = values or {}
    errors = errors or {}
    required = set(schema.get("required", []))
    fields: list[Field] = []
    for name, prop in (schema.get("properties") or {}).items():
        if not isinstance(prop, Mapping):
            continue
        key = f"{path}/{name}" if path else name
        kind = kind_of(prop)
        f = Field(name=name, path=key, input_name=PREFIX + key.replace("/", "."), kind=kind,
                  label=schema_title(prop, name), hint=schema_description(prop),
                  required=name in required, error=errors.get(key, ""),
                  attrs=_attrs(prop, kind))
        value = values.get(name, prop.get("default"))
        if kind in ("select", "radio"):
            f.options = [(_scalar_text(c), label) for c, label in enum_labels(prop)]
            f.value = _scalar_text(value)
        elif kind == "checkboxes":
            f.options = [(_scalar_text(c), label) for c, label in enum_labels(prop["items"])]
            f.selected = [_scalar_text(v) for v in value] if isinstance(value, list) else []
        elif kind == "checkbox":
            f.checked = value is True
        elif kind == "lines":
            f.value = "\n".join(_scalar_text(v) for v in value) if isinstance(value, list) else ""
        elif kind == "datetime" and isinstance(value, str):
            f.value = value[:16]
        elif kind == "table":
            items = prop.get("items") or {}
            f.columns = build_fields(items, {}, {}, f"{key}/__i__")
            rows = value if isinstance(value, list) else []
            f.rows = [(i, build_fields(items, row if isinstance(row, Mapping) else {}, errors,
                                       f"{key}/{i}")) for i, row in enumerate(rows)]
            if not f.rows:
                f.rows = [(0, build_fields(items, {}, {}, f"{key}/0"))]
        elif kind == "group":
            f.children = build_fields(prop, value if isinstance(value, Mapping) else {}, errors,
                                      key)
        else:
            f.value = _scalar_text(value)
        fields.append(f)
    return fields


def _number(raw: str, integer: bool) -> Any:
    text = raw.strip().replace(",", "")
    try:
        number = float(text)
    except ValueError:
        return raw  # kept as typed: the schema check reports it next to the field
    if number != number or number in (float("inf"), float("-inf")):
        return raw
    if number.is_integer() and (integer or "." not in text):
        return int(number)
    return raw if integer else number


def _datetime(raw: str, zone: str) -> str:
    try:
        local = datetime.fromisoformat(raw.strip())
    except ValueError:
        return raw
    if local.tzinfo is None:
        local = local.replace(tzinfo=ZoneInfo(zone))
    return local.isoformat()


def _row_indices(form: MultiDict[str, str], prefix: str) -> list[int]:
    found: set[int] = set()
    for name in form:
        if name.startswith(prefix):
            head = name[len(prefix):].split(".", 1)[0]
            if head.isdigit():
                found.add(int(head))
    return sorted(found)


def parse_form(schema: Mapping[str, Any], form: MultiDict[str, str], zone: str = "Asia/Shanghai",
               path: str = "") -> dict[str, Any]:
    """The posted fields as data for `schema`; empty inputs are left out so `required` speaks."""
    data: dict[str, Any] = {}
    for name, prop in (schema.get("properties") or {}).items():
        if not isinstance(prop, Mapping):
            continue
        key = f"{path}.{name}" if path else name
        input_name = PREFIX + key
        kind = kind_of(prop)
        if kind == "checkbox":
            data[name] = input_name in form
            continue
        if kind == "checkboxes":
            data[name] = [v for v in form.getlist(input_name) if v != ""]
            continue
        if kind == "table":
            rows = [parse_form(prop.get("items") or {}, form, zone, f"{key}.{i}")
                    for i in _row_indices(form, input_name + ".")]
            data[name] = [r for r in rows if any(v is not False and v not in ("", [], None)
                                                 for v in r.values())]
            continue
        if kind == "group":
            group = parse_form(prop, form, zone, key)
            if group:
                data[name] = group
            continue
        raw = form.get(input_name)
        if raw is None or raw.strip() == "":
            continue
        if kind == "lines":
            data[name] = [line.strip() for line in raw.splitlines() if line.strip()]
        elif kind in ("integer", "number"):
            data[name] = _number(raw, kind == "integer")
        elif kind == "datetime":
            data[name] = _datetime(raw, zone)
        elif kind in ("select", "radio"):
            data[name] = _enum_value(prop, raw)
        else:
            data[name] = raw.strip() if kind != "textarea" else raw
    return data


def _enum_value(schema: Mapping[str, Any], raw: str) -> Any:
    """Map the posted text back to the enum's code (codes may be numbers)."""
    for code in schema.get("enum", []):
        if _scalar_text(code) == raw:
            return code
    return raw
