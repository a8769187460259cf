"""The indicators as an Excel workbook: one sheet per area, its tables one under another."""

from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Font

from .tables import Area

BOLD = Font(bold=True)


def workbook_bytes(areas: list[Area], period: str) -> bytes:
    """An .xlsx with a sheet per area; each table has a bold title and header row."""
    book = Workbook()
    book.remove(book.worksheets[0])  # start without the default sheet
    for area in areas:
        # Excel limits sheet titles to 31 characters.
        sheet = book.create_sheet(area.title[:31])
        sheet.append([period])
        for table in area.tables:
            sheet.append([])
            sheet.append([table.title])
            sheet.cell(sheet.max_row, 1).font = BOLD
            sheet.append(table.columns)
            for cell in sheet[sheet.max_row]:
                cell.font = BOLD
            for row in table.rows:
                sheet.append(row)
    out = BytesIO()
    book.save(out)
    return out.getvalue()
