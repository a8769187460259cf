"""What a cell of the indicators holds: typed numbers (a `Percent` is a fraction shown as a
percentage), and text with no control characters that is never a formula.

Names in the indicators come from users (user names, customer names, step names of uploaded
diagrams). A spreadsheet treats a cell starting with = + - @ (or a tab or CR before them) as
a formula: `=HYPERLINK(...)` would run for every leader who opens the export.
"""

from __future__ import annotations

from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class Percent(float):
    """A fraction (0.5) that people read as a percentage (50.0%): the page formats it, the
    workbook stores the number with a percentage format, the CSV the plain fraction."""


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
