"""The indicators as files: an Excel workbook (one sheet per area, its tables one under
another) and the same tables as CSV."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from io import BytesIO, StringIO
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from .cells import clean_text, csv_value, looks_like_formula
from .tables import Area

BOLD = Font(bold=True)


def _append(sheet: Worksheet, values: Sequence[Any]) -> None:
    """Append a row whose text cells stay text: openpyxl makes '=…' a formula by itself."""
    sheet.append([clean_text(v) if isinstance(v, str) else v for v in values])
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"
            if looks_like_formula(cell.value):
                cell.quotePrefix = True  # Excel keeps it text when the cell is edited, too


def workbook_bytes(areas: list[Area], period: str) -> bytes:
    """An .xlsx with a sheet per area; each table has a bold title and header row."""
    book = Workbook()
    book.remove(book.worksheets[0])  # start without the default sheet
    for area in areas:
        # Excel limits sheet titles to 31 characters.
        sheet = book.create_sheet(area.title[:31])
        _append(sheet, [period])
        for table in area.tables:
            sheet.append([])
            _append(sheet, [table.title])
            sheet.cell(sheet.max_row, 1).font = BOLD
            _append(sheet, table.columns)
            for cell in sheet[sheet.max_row]:
                cell.font = BOLD
            for row in table.rows:
                _append(sheet, row)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def csv_text(areas: list[Area], period: str) -> str:
    """The same tables as CSV text (UTF-8 with BOM when encoded), formula-like cells quoted."""
    out = StringIO()
    out.write("\ufeff")  # Excel opens UTF-8 CSV correctly only with a BOM
    writer = csv.writer(out)
    writer.writerow([csv_value(period)])
    for area in areas:
        for table in area.tables:
            writer.writerow([])
            writer.writerow([csv_value(f"{area.title} – {table.title}")])
            writer.writerow([csv_value(c) for c in table.columns])
            writer.writerows([csv_value(v) for v in row] for row in table.rows)
    return out.getvalue()
