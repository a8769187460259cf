"""What a form (JSON Schema) may contain so that checking data against it is safe.

Deployment refuses a form that breaks one of these rules, naming the JSON pointer
(engine/deployment/compile.py); engine/forms.py refuses to evaluate such a form at run time
(possible only for a version deployed before a rule existed). The rules:

- nesting within MAX_FORM_DEPTH levels (deep schemas exhaust Python's recursion);
- references stay in the form: every `$ref`, `$dynamicRef` and `$recursiveRef` starts with
  `#` and names something that exists; `$id` is no base URI (nothing but `#`); `$schema`
  is one of the JSON Schema dialects jsonschema ships. Nothing is ever fetched;
- no reference cycle that checks the same value again without moving into it
  (`{"$ref": "#"}` at the root): validation would never end;
- every `pattern` and `patternProperties` name compiles with RE2 (engine/form_validator.py);
- no `unevaluatedProperties` together with `patternProperties`: jsonschema would match
  those patterns with Python's backtracking `re`.

The walk follows the schema keywords (and the targets of references), not data keywords
such as `enum` or `default`, and is iterative: it survives any document it is given.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote

from referencing.jsonschema import UnknownDialect, specification_with

from .form_validator import PatternUnusable, compile_pattern

MAX_FORM_DEPTH = 32
SCHEMA_KEYWORDS = ("additionalProperties", "unevaluatedProperties", "items", "contains",
                   "propertyNames", "not", "if", "then", "else", "unevaluatedItems",
                   "contentSchema", "additionalItems")
SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems", "items")
SCHEMA_MAPS = ("$defs", "definitions", "properties", "patternProperties", "dependentSchemas")
# Keywords that apply their schemas to the same value: a cycle through them never ends.
IN_PLACE = ("not", "if", "then", "else", "allOf", "anyOf", "oneOf", "dependentSchemas")
REFERENCES = ("$ref", "$dynamicRef", "$recursiveRef")

Path = tuple[str | int, ...]
Problem = tuple[str, str]  # (JSON pointer, reason)


def pointer(path: Path) -> str:
    """`path` as a JSON pointer in URI-fragment form: `#/properties/code/pattern`."""
    text = "#" + "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)
    return text if len(text) <= 300 else text[:297] + "..."


def nesting_depth(document: Any) -> tuple[int, Path]:
    """How deeply `document` nests objects and arrays, and where it is deepest."""
    deepest: tuple[int, Path] = (0, ())
    stack: list[tuple[Any, int, Path]] = [(document, 1, ())]
    while stack:
        node, depth, path = stack.pop()
        if not isinstance(node, dict | list):
            continue
        if depth > deepest[0]:
            deepest = (depth, path)
        items = node.items() if isinstance(node, dict) else enumerate(node)
        stack.extend((child, depth + 1, (*path, key)) for key, child in items)
    return deepest


def _children(node: dict[str, Any], path: Path) -> Iterator[tuple[Path, Any, bool]]:
    """(path, subschema, applies in place) of every subschema directly inside `node`."""
    for key, value in node.items():
        if key in SCHEMA_KEYWORDS and isinstance(value, dict | bool):
            yield (*path, key), value, key in IN_PLACE
        elif key in SCHEMA_LISTS and isinstance(value, list):
            for index, item in enumerate(value):
                yield (*path, key, index), item, key in IN_PLACE
        elif key in SCHEMA_MAPS and isinstance(value, dict):
            for name, item in value.items():
                yield (*path, key, name), item, key in IN_PLACE


def subschemas(root: Any) -> Iterator[tuple[Path, dict[str, Any]]]:
    """Every object subschema reachable through schema keywords, with its path."""
    stack: list[tuple[Path, Any]] = [((), root)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, dict):
            yield path, node
            stack.extend((p, child) for p, child, _ in _children(node, path))


def _anchors(root: Any) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for path, node in subschemas(root):
        for keyword in ("$anchor", "$dynamicAnchor"):
            if isinstance(node.get(keyword), str):
                found.setdefault(node[keyword], path)
    return found


def _resolve(root: Any, reference: str, anchors: dict[str, Path]) -> Path | None:
    """Where the local `reference` (`#`, `#/a/b`, `#name`) points, if anywhere."""
    fragment = unquote(reference[1:])
    if not fragment.startswith("/"):
        return () if fragment == "" else anchors.get(fragment)
    node, path = root, []
    for raw in fragment[1:].split("/"):
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and part in node:
            node, key = node[part], part
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node, key = node[int(part)], int(part)  # type: ignore[assignment]
        else:
            return None
        path.append(key)
    return tuple(path) if isinstance(node, dict | bool) else None


def _node_at(root: Any, path: Path) -> Any:
    node = root
    for key in path:
        node = node[key]
    return node


def _keyword_problems(node: dict[str, Any], path: Path) -> Iterator[Problem]:
    """Reference targets, base URIs, dialects and patterns of one subschema."""
    for keyword in REFERENCES:
        value = node.get(keyword)
        if value is not None and (not isinstance(value, str) or not value.startswith("#")):
            yield pointer((*path, keyword)), (
                f"{keyword} {str(value)[:80]!r} points outside the form; forms must be "
                "self-contained (use #/$defs/...), keyflow fetches nothing")
    if "$id" in node and node["$id"] not in ("", "#"):
        yield pointer((*path, "$id")), "$id is not allowed in a form: references must stay local"
    dialect = node.get("$schema")
    if dialect is not None:
        try:
            specification_with(str(dialect))
        except UnknownDialect:
            yield pointer((*path, "$schema")), (
                f"$schema {str(dialect)[:80]!r} is not a JSON Schema dialect keyflow knows; use "
                "https://json-schema.org/draft/2020-12/schema")
    if isinstance(node.get("pattern"), str):
        yield from _pattern_problem(node["pattern"], (*path, "pattern"))
    if isinstance(node.get("patternProperties"), dict):
        for name in node["patternProperties"]:
            yield from _pattern_problem(name, (*path, "patternProperties", name))


def _pattern_problem(pattern: str, path: Path) -> Iterator[Problem]:
    try:
        compile_pattern(pattern)
    except PatternUnusable as err:
        yield pointer(path), f"pattern {pattern[:80]!r}: {err}"


def form_problems(schema: Any) -> list[Problem]:
    """(JSON pointer, reason) for every rule `schema` breaks; empty when it is safe to use."""
    depth, deepest = nesting_depth(schema)
    if depth > MAX_FORM_DEPTH:
        return [(pointer(deepest[:MAX_FORM_DEPTH]), f"the form nests {depth} levels deep; "
                 f"the limit is {MAX_FORM_DEPTH}")]
    if not isinstance(schema, dict):
        return []
    problems: list[Problem] = []
    anchors = _anchors(schema)
    in_place: dict[Path, list[tuple[Path, Path]]] = {}  # node -> [(edge's pointer, target)]
    seen: set[Path] = set()
    stack: list[Path] = [()]
    while stack:
        path = stack.pop()
        if path in seen:
            continue
        seen.add(path)
        node = _node_at(schema, path)
        if not isinstance(node, dict):
            continue
        problems.extend(_keyword_problems(node, path))
        edges = in_place.setdefault(path, [])
        for child_path, _child, applies_in_place in _children(node, path):
            stack.append(child_path)
            if applies_in_place:
                edges.append((child_path, child_path))
        for keyword in ("$ref", "$dynamicRef"):
            value = node.get(keyword)
            if not isinstance(value, str) or not value.startswith("#"):
                continue
            target = _resolve(schema, value, anchors)
            if target is None:
                problems.append((pointer((*path, keyword)), f"{keyword} {value[:80]!r} refers to "
                                 "nothing in this form"))
                continue
            stack.append(target)
            edges.append(((*path, keyword), target))
    problems.extend(_cycle_problems(in_place))
    if any("unevaluatedProperties" in node for _, node in subschemas(schema)) and any(
            "patternProperties" in node for _, node in subschemas(schema)):
        problems.append(("#", "unevaluatedProperties cannot be combined with patternProperties "
                              "in a form; use additionalProperties"))
    return problems


def _cycle_problems(edges: dict[Path, list[tuple[Path, Path]]]) -> list[Problem]:
    """A problem for each reference that closes a loop of in-place checks."""
    problems: list[Problem] = []
    state: dict[Path, int] = {}  # 1: on the current walk, 2: done
    for start in edges:
        if state.get(start):
            continue
        state[start] = 1
        walk: list[tuple[Path, Iterator[tuple[Path, Path]]]] = [(start, iter(edges[start]))]
        while walk:
            node, pending = walk[-1]
            step = next(pending, None)
            if step is None:
                state[node] = 2
                walk.pop()
                continue
            via, target = step
            if state.get(target) == 1:
                problems.append((pointer(via), "this reference leads back to a schema that is "
                                 "still checking the same value, so validation would never end"))
            elif not state.get(target):
                state[target] = 1
                walk.append((target, iter(edges.get(target, []))))
    return problems
