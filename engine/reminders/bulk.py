"""Many rows into one table in one statement on PostgreSQL: one JSON document for them all.

A multi-row INSERT … VALUES carries a placeholder per value; at tens of thousands of rows
building and parsing those statements costs more than the database's own work (the first
tick after a quiet weekend writes that many notices). One array parameter per column
(`unnest`) kept the statement small, but psycopg quotes each text element of an array with
regular expressions in Python: most of a first tick's CPU (issue 12). The rows now travel as
one JSON array, written by the json module's C encoder and read by
`json_to_recordset(…) AS r(column type, …)`, whatever the count.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import Dialect, Table, bindparam, literal_column, select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql import Select
from sqlalchemy.types import Text

_DIALECT = postgresql.dialect()


def _plain(value: object) -> str:
    """What json cannot write itself: dates and times (already naive UTC where the column
    stores it so: the column type's own bind processing ran first)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} cannot go into a bulk row")


def json_rows(table: Table, rows: list[dict[str, Any]], dialect: Dialect = _DIALECT,
              same: dict[str, Any] | None = None) -> tuple[list[str], Select[Any]]:
    """The column names and a SELECT producing `rows` (dicts with the same keys), each with
    the values of `same` added."""
    same = same or {}
    columns = [*same, *rows[0]]
    processors = [(name, processor) for name in columns
                  if (processor := table.c[name].type.bind_processor(dialect)) is not None]
    converted = []
    for row in rows:
        values = {**same, **row}  # one copy, converted in place
        for name, processor in processors:
            if values[name] is not None:
                values[name] = processor(values[name])
        converted.append(values)
    document = json.dumps(converted, default=_plain, ensure_ascii=False)
    shape = ", ".join(f'"{name}" {table.c[name].type.compile(dialect)}' for name in columns)
    source = text(f"json_to_recordset(CAST(:bulk_rows AS json)) AS bulk_row({shape})")
    source = source.bindparams(bindparam("bulk_rows", document, type_=Text()))
    return columns, select(*(literal_column(f'bulk_row."{name}"') for name in columns)) \
        .select_from(source)
