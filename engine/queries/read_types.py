"""JSON columns for the read calls (inbox, task fetch, instance status): the values the
column's own type gives, decoded with less work on SQLite.

On SQLite a JSON value is text, and SQLAlchemy decodes it through two wrappers, json.loads
and its whitespace checks (~1.6 us); an instance's status reads about twenty. Here the text
SQLAlchemy itself stored is decoded by one C call, the JSON decoder's scanner over a whole
document. Any other text (whitespace around a JSON document, text that is not JSON) goes
the usual way, with the usual result or error. PostgreSQL's driver decodes JSON itself:
nothing changes there (tests/engine/test_read_types.py). Datetimes need nothing here: their
own type (engine.models.base.UTCDateTime) decodes stored text in one call everywhere.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import JSON, ColumnElement, Dialect, TypeDecorator, type_coerce

from engine.models.base import JSONDocument, Processor

# What json.loads runs (its decoder's scanner), without the checks around it.
_SCAN: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]


def sqlite_json(dialect: Dialect, usual: Processor) -> Processor:
    """`usual` (SQLite's JSON result processor), decoding a whole JSON document in one scan
    when the dialect decodes with json.loads, as it does unless told otherwise."""
    if dialect.name != "sqlite" or getattr(dialect, "_json_deserializer", None) is not None:
        return usual

    def process(value: Any) -> Any:
        if value.__class__ is str:
            try:
                found, end = _SCAN(value, 0)
            except StopIteration:  # not JSON at its start: json.loads says why
                return usual(value)
            if end == len(value):
                return found
        return usual(value)

    return process


class QuickJSON(TypeDecorator[Any]):
    """A JSONDocument column as read by a read call (sqlite_json on SQLite)."""

    impl = JSON
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        return JSONDocument.dialect_impl(dialect)

    def result_processor(self, dialect: Dialect, coltype: Any) -> Any:
        usual = super().result_processor(dialect, coltype)
        return None if usual is None else sqlite_json(dialect, usual)


def quick_json(column: ColumnElement[Any]) -> ColumnElement[Any]:
    """`column` (JSONDocument) read as QuickJSON: the same SQL, under its own name."""
    return type_coerce(column, QuickJSON()).label(column.name)
