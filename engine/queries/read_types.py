"""Column types for the read calls (inbox, task fetch, instance status): the values their
columns' own types give, decoded with less work on SQLite.

On SQLite a datetime is text and a JSON value is text, and SQLAlchemy decodes each through
layers of wrappers: a datetime by a regular expression, eight int() calls and UTCDateTime's
tz re-attachment (~1.2 us), a JSON value through two wrappers, json.loads and its whitespace
checks (~1.6 us). An instance's status reads about twenty of each. Here the text SQLAlchemy
itself stored is decoded by one C call each: `datetime.fromisoformat` of the stored
"YYYY-MM-DD HH:MM:SS.ffffff" with "+00:00" appended, and the JSON decoder's scanner over a
whole document. Any other text (another format, whitespace around a JSON document, text that
is not JSON) goes the usual way, with the usual result or error. PostgreSQL's driver decodes
both itself: nothing changes there (tests/engine/test_read_types.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ColumnElement, Dialect, TypeDecorator, type_coerce
from sqlalchemy.dialects import sqlite

from engine.models.base import JSONDocument, UTCDateTime

Processor = Callable[[Any], Any]

# The text SQLite's DATETIME writes (its default storage format): always 26 characters.
_SQLITE_STORAGE = sqlite.DATETIME()._storage_format
_STORED_LENGTH = len("2026-01-01 00:00:00.000000")
_STORED_MARKS = "-- ::."  # its characters 4, 7, 10, 13, 16 and 19; all others are digits
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


class QuickUTCDateTime(UTCDateTime):
    """A UTCDateTime column as read by a read call: on SQLite, stored text in the default
    format becomes the aware datetime in one call."""

    cache_ok = True

    def result_processor(self, dialect: Dialect, coltype: Any) -> Any:
        usual = super().result_processor(dialect, coltype)
        impl = self.impl_instance.dialect_impl(dialect)
        if usual is None or dialect.name != "sqlite" or not isinstance(impl, sqlite.DATETIME) \
                or getattr(impl, "_storage_format", None) != _SQLITE_STORAGE \
                or getattr(impl, "_reg", None) is not None:
            return usual
        from_text = datetime.fromisoformat

        def process(value: Any) -> Any:
            if value is None:
                return None
            # fromisoformat takes only digits between these marks, as the usual regex does
            if value.__class__ is str and len(value) == _STORED_LENGTH \
                    and value[4:20:3] == _STORED_MARKS:
                try:
                    return from_text(value + "+00:00")
                except ValueError:  # out of range: the usual error
                    pass
            return usual(value)

        return process


def quick_json(column: ColumnElement[Any]) -> ColumnElement[Any]:
    """`column` (JSONDocument) read as QuickJSON: the same SQL, under its own name."""
    return type_coerce(column, QuickJSON()).label(column.name)


def quick_time(column: ColumnElement[Any]) -> ColumnElement[Any]:
    """`column` (UTCDateTime) read as QuickUTCDateTime: the same SQL, under its own name."""
    return type_coerce(column, QuickUTCDateTime()).label(column.name)
