"""Many rows into one table in one statement on PostgreSQL: one array parameter per column.

A multi-row INSERT … VALUES carries a placeholder per value; at tens of thousands of rows
building and parsing those statements costs more than the database's own work (the first
tick after a quiet weekend writes that many notices). `SELECT unnest(:a), unnest(:b), …`
zips one array per column into rows, so the statement stays the same size whatever the count.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, bindparam, cast, func, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql import Select


def unnest_rows(table: Table, rows: list[dict[str, Any]]) -> tuple[list[str], Select[Any]]:
    """The column names and a SELECT producing `rows` (dicts with the same keys)."""
    columns = list(rows[0])
    arrays = []
    for name in columns:
        array_type = postgresql.ARRAY(table.c[name].type)
        values = bindparam(f"col_{name}", [row.get(name) for row in rows], type_=array_type)
        arrays.append(func.unnest(cast(values, array_type)).label(name))
    return columns, select(*arrays)
