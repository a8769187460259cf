"""The declarative base and the column types every keyflow table shares."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, DateTime, Dialect, MetaData, TypeDecorator
from sqlalchemy.dialects import sqlite
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names so Alembic migrations can refer to them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_N_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


Processor = Callable[[Any], Any]

# The text SQLite's DATETIME writes (its default storage format): always 26 characters.
_SQLITE_STORAGE = sqlite.DATETIME()._storage_format
_STORED_LENGTH = len("2026-01-01 00:00:00.000000")
_STORED_MARKS = "-- ::."  # its characters 4, 7, 10, 13, 16 and 19; all others are digits


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on every backend.

    SQLite has no time zone type and hands back naive values; storing naive UTC and
    re-attaching UTC on the way out keeps comparisons with the engine's clock correct.

    On SQLite, where a datetime is text, SQLAlchemy converts each value through layers of
    wrappers: written, the tz conversion then a %-format of eight fields; read, a regular
    expression, eight int() calls and the tz re-attachment (~1-2 us a value, and a command
    writes and reads dozens). Both ways one C call does the common case here: a UTC value
    is written by `isoformat`, stored text in the default format is read by
    `datetime.fromisoformat`; anything else (another zone, a datetime subclass, text in
    another format) goes the usual way, with the usual result or error
    (tests/engine/test_read_types.py holds both ways to the usual one).
    """

    impl = DateTime
    cache_ok = True

    def bind_processor(self, dialect: Dialect) -> Processor | None:
        """The usual processor; on SQLite's default format, UTC values in one call."""
        usual = super().bind_processor(dialect)
        if usual is None or not _default_sqlite_text(self, dialect):
            return usual

        def process(value: Any) -> Any:
            if value.__class__ is datetime and value.tzinfo is UTC:
                return value.replace(tzinfo=None).isoformat(" ", "microseconds")
            return usual(value)

        return process

    def result_processor(self, dialect: Dialect, coltype: Any) -> Processor | None:
        """The usual processor; on SQLite, stored text in the default format in one call."""
        usual = super().result_processor(dialect, coltype)
        if usual is None or not _default_sqlite_text(self, dialect):
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

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Convert to naive UTC for storage."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("keyflow stores aware datetimes only")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Re-attach UTC."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _default_sqlite_text(column_type: UTCDateTime, dialect: Dialect) -> bool:
    """Whether `dialect` stores the type as SQLite's DATETIME text in its default format."""
    impl = column_type.impl_instance.dialect_impl(dialect)
    return dialect.name == "sqlite" and isinstance(impl, sqlite.DATETIME) \
        and getattr(impl, "_storage_format", None) == _SQLITE_STORAGE \
        and getattr(impl, "_reg", None) is None


JSONDocument = JSON().with_variant(JSONB(), "postgresql")


def one_of(column: str, values: Iterable[str]) -> CheckConstraint:
    """A CHECK that `column` holds one of `values` (named ck_<table>_<column>).

    Enumerated columns are stored as strings (a StrEnum's values) rather than as a database
    enum type: adding a value then needs no type change, only this constraint's.
    """
    allowed = ", ".join(f"'{value}'" for value in values)
    return CheckConstraint(f"{column} IN ({allowed})", name=column)


class Base(DeclarativeBase):
    """Base class of every mapped table."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSONDocument,
        list[Any]: JSONDocument,
    }
