"""Sample task data built from a process's forms: one plausible value of the right type per
field, so validation can run every expression once before anything is deployed (probe.py).

The value follows the schema's `const`, first `enum` entry, `type` and `format` (dates are
dates in ISO text, as the task form submits them); arrays hold one sample item, objects
their properties; `$ref`s inside the form are followed a bounded number of times.
"""

from __future__ import annotations

from typing import Any

SAMPLE_DEPTH = 12
SAMPLE_TEXT = {
    "date": "2026-01-15",
    "date-time": "2026-01-15T09:00:00+08:00",
    "time": "09:00:00",
    "email": "someone@example.test",
    "uri": "https://example.test/",
}


def sample_data(forms: list[dict[str, Any]]) -> dict[str, Any]:
    """Every top-level field of `forms` with a sample value (a later form wins a clash)."""
    data: dict[str, Any] = {}
    for form in forms:
        value = sample_value(form, form, SAMPLE_DEPTH)
        if isinstance(value, dict):
            data.update(value)
    return data


def _resolve(root: dict[str, Any], ref: str) -> Any:
    node: Any = root
    for part in ref.removeprefix("#").strip("/").split("/"):
        if not part:
            continue
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return {}
    return node


def sample_value(schema: Any, root: dict[str, Any], depth: int) -> Any:
    """One value that `schema` accepts, as far as a sample can tell."""
    if not isinstance(schema, dict) or depth <= 0:
        return None
    if isinstance(schema.get("$ref"), str) and schema["$ref"].startswith("#"):
        return sample_value(_resolve(root, schema["$ref"]), root, depth - 1)
    if "const" in schema:
        return schema["const"]
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return schema["enum"][0]
    for key in ("oneOf", "anyOf"):
        if isinstance(schema.get(key), list) and schema[key]:
            return sample_value(schema[key][0], root, depth - 1)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    if kind is None and isinstance(schema.get("properties"), dict):
        kind = "object"
    if kind == "object" or isinstance(schema.get("allOf"), list):
        result: dict[str, Any] = {}
        for part in schema.get("allOf") or []:
            merged = sample_value(part, root, depth - 1)
            if isinstance(merged, dict):
                result.update(merged)
        for name, sub in (schema.get("properties") or {}).items():
            result[name] = sample_value(sub, root, depth - 1)
        return result
    if kind == "array":
        items = schema.get("items")
        return [sample_value(items, root, depth - 1)] if isinstance(items, dict) else []
    if kind == "integer":
        return _number(schema, 1)
    if kind == "number":
        return _number(schema, 1.5)
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    return SAMPLE_TEXT.get(str(schema.get("format")), "text")


def _number(schema: dict[str, Any], default: float) -> Any:
    low = schema.get("minimum", schema.get("exclusiveMinimum"))
    if isinstance(low, int | float) and not isinstance(low, bool):
        return type(default)(low) + (1 if "exclusiveMinimum" in schema else 0)
    return default
