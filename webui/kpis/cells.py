"""What a text cell of an export may hold: no control characters, never a formula.

Names in the indicators come from users (user names, customer names, step names of uploaded
diagrams). A spreadsheet treats a cell starting with = + - @ (or a tab or CR before them) as
a formula: `=HYPERLINK(...)` would run for every leader who opens the export.
"""

from __future__ import annotations

from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def clean_text(text: str) -> str:
    """Drop the control characters a workbook cannot hold (openpyxl refuses them)."""
    return ILLEGAL_CHARACTERS_RE.sub("", text)


def looks_like_formula(text: str) -> bool:
    """Whether a spreadsheet would read this text as a formula."""
    return text.startswith(FORMULA_START)


def csv_value(value: Any) -> Any:
    """A CSV cell: text cleaned and, if formula-like, quoted with a leading apostrophe."""
    if not isinstance(value, str):
        return value
    text = clean_text(value)
    return "'" + text if looks_like_formula(text) else text
