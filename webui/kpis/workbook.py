"""The indicators as files: an Excel workbook with one sheet per table, and the same tables
as CSV.

Each sheet: the table's title and the period in row 1, bold headers in row 2 (frozen, with
filters), then the rows. Numbers stay numbers with a format (whole numbers, decimals,
percentages), so a leader can sum and chart them; text cells stay text (cells.py).
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Sequence
from io import BytesIO, StringIO
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from .cells import Percent, clean_text, csv_value, looks_like_formula
from .tables import Area, Table

BOLD = Font(bold=True)
TITLE = Font(bold=True, size=12)
FORMATS = {Percent: "0.0%", int: "#,##0", float: "#,##0.00"}
# Excel refuses these in sheet titles and limits a title to 31 characters.
NOT_IN_TITLES = re.compile(r"[\[\]:*?/\\]")
MIN_WIDTH, MAX_WIDTH = 8, 60


def _width(value: Any) -> int:
    """Display width of a cell's text: wide (Chinese) characters count twice."""
    text = f"{value:,.2f}" if isinstance(value, float) else str(value if value is not None
                                                                 else "")
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _append(sheet: Worksheet, values: Sequence[Any], font: Font | None = None) -> None:
    """Append a row: text stays text (openpyxl makes '=…' a formula by itself), numbers get
    their format."""
    sheet.append([clean_text(v) if isinstance(v, str) else v for v in values])
    for cell in sheet[sheet.max_row]:
        if font is not None:
            cell.font = font
        if isinstance(cell.value, str):
            cell.data_type = "s"
            if looks_like_formula(cell.value):
                cell.quotePrefix = True  # Excel keeps it text when the cell is edited, too
    for cell, value in zip(sheet[sheet.max_row], values, strict=False):
        number_format = next((f for kind, f in FORMATS.items()
                              if isinstance(value, kind) and not isinstance(value, bool)), None)
        if number_format is not None:
            cell.number_format = number_format


def _title(table: Table, taken: set[str]) -> str:
    base = NOT_IN_TITLES.sub(" ", clean_text(table.title)).strip()[:31] or "Sheet"
    title, n = base, 2
    while title.lower() in taken:
        suffix = f" ({n})"
        title, n = base[:31 - len(suffix)] + suffix, n + 1
    taken.add(title.lower())
    return title


def _sheet(book: Workbook, table: Table, period: str, taken: set[str]) -> None:
    sheet = book.create_sheet(_title(table, taken))
    _append(sheet, [table.title, period], TITLE)
    _append(sheet, table.columns, BOLD)
    for row in table.rows:
        _append(sheet, row)
    sheet.freeze_panes = "A3"
    last = get_column_letter(max(1, len(table.columns)))
    sheet.auto_filter.ref = f"A2:{last}{max(2, sheet.max_row)}"
    for index, header in enumerate(table.columns, start=1):
        widest = max([_width(header)] + [_width(row[index - 1]) for row in table.rows
                                         if index - 1 < len(row)])
        sheet.column_dimensions[get_column_letter(index)].width = min(
            MAX_WIDTH, max(MIN_WIDTH, widest + 2))


def workbook_bytes(areas: list[Area], period: str) -> bytes:
    """An .xlsx with one sheet per table, in the order of the page."""
    book = Workbook()
    book.remove(book.worksheets[0])  # start without the default sheet
    taken: set[str] = set()
    for area in areas:
        for table in area.tables:
            _sheet(book, table, period, taken)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def csv_text(areas: list[Area], period: str) -> str:
    """The same tables as CSV text (UTF-8 with BOM when encoded): the raw values (fractions,
    not percentages), formula-like cells quoted."""
    out = StringIO()
    out.write("\ufeff")  # Excel opens UTF-8 CSV correctly only with a BOM
    writer = csv.writer(out)
    writer.writerow([csv_value(period)])
    for area in areas:
        for table in area.tables:
            writer.writerow([])
            writer.writerow([csv_value(f"{area.title} – {table.title}")])
            writer.writerow([csv_value(c) for c in table.columns])
            writer.writerows([csv_value("" if v is None else v) for v in row]
                             for row in table.rows)
    return out.getvalue()
