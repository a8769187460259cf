"""An uploaded .xlsx or .csv file as a header row and data rows, or a refusal saying why.

- .xlsx is a zip: it goes through the bundle upload's reader (engine/deployment/archive.py)
  with the same limits — 800 entries, 20 MB unpacked in all, at most 100 times compressed,
  no encrypted or nested members, no `..` or absolute paths — except that one member (a
  worksheet) may use the whole 20 MB. Only the .xml and .rels members are kept, none may
  hold a DOCTYPE, and openpyxl reads the rebuilt workbook. Formulas are read as their text
  (`=SUM(A1:A3)`), never evaluated, and cached results are ignored.
- .csv is UTF-8 (with or without a byte order mark) or GB18030 (what Chinese Excel saves as
  "CSV"); anything else is refused, never guessed. Cells are text.
- The first row holds the headers; row numbers are the sheet's (the first data row is 2);
  rows with nothing in them are skipped. At most MAX_ROWS rows and MAX_COLUMNS columns.

Too large: `ImportFileTooLarge` (HTTP 413); unreadable: `ImportFileRefused` (422). Messages
are in the reader's language (`Texts`).
"""

from __future__ import annotations

import csv
import io
import re
import warnings
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from engine.deployment.archive import read_zip
from engine.deployment.bundle import MAX_BUNDLE_BYTES
from engine.errors import BundleTooLarge, DeploymentInvalid, InvalidData
from engine.i18n import Texts

MAX_FILE_BYTES = MAX_BUNDLE_BYTES  # the upload itself, and an .xlsx unpacked
MAX_ROWS = 50_000
MAX_SHEET_ROW = 2 * MAX_ROWS  # blank rows between them included
MAX_COLUMNS = 64
WORKBOOK_SUFFIXES = (".xml", ".rels")
DOCTYPE = re.compile(rb"<!doctype", re.IGNORECASE)
ENCODINGS = ("utf-8-sig", "gb18030")  # utf-8-sig also reads UTF-8 without a BOM


class ImportFileRefused(InvalidData):
    """The file cannot be read as a customer list (HTTP 422); nothing was imported."""

    code = "invalid_import_file"


class ImportFileTooLarge(ImportFileRefused):
    """The file is, or unpacks to, more than the limits allow (HTTP 413)."""

    code = "import_file_too_large"


@dataclass
class Sheet:
    """The header row (column index -> header text) and the data rows (row number, cells)."""

    headers: dict[int, str]
    rows: list[tuple[int, list[Any]]] = field(default_factory=list)

    @property
    def width(self) -> int:
        """How many cells of a row are read: up to the last header."""
        return max(self.headers) + 1


def read_upload(file_name: str, content: bytes, t: Texts) -> Sheet:
    """The sheet of an uploaded .xlsx or .csv file."""
    suffix = PurePosixPath(file_name.lower()).suffix
    if len(content) > MAX_FILE_BYTES:
        raise ImportFileTooLarge(t._("The file is larger than {limit} MB.",
                                     limit=MAX_FILE_BYTES // (1024 * 1024)))
    if suffix == ".csv":
        return _sheet(_csv_rows(content, t), t)
    if suffix != ".xlsx":
        raise ImportFileRefused(t._("Upload an Excel workbook (.xlsx) or a CSV file (.csv); "
                                    "save an older .xls workbook as .xlsx first."))
    workbook = _workbook_file(file_name, content, t)
    try:
        with warnings.catch_warnings():
            # openpyxl warns about styles and extensions it skips: nothing the import needs.
            warnings.simplefilter("ignore")
            return _sheet(_worksheet_rows(workbook, t), t)
    except ImportFileRefused:
        raise
    except Exception as err:  # openpyxl raises many kinds on a damaged workbook
        raise ImportFileRefused(t._("The file is not a readable .xlsx workbook ({reason}).",
                                    reason=type(err).__name__)) from err


def _sheet(lines: Iterable[Sequence[Any]], t: Texts) -> Sheet:
    """Headers from the first row, then the non-empty rows, counted against MAX_ROWS."""
    sheet: Sheet | None = None
    for number, cells in enumerate(lines, start=1):
        if number > MAX_SHEET_ROW:  # a sheet of blank rows is refused before it takes long
            raise ImportFileTooLarge(t._("The file has more than {limit} rows; split it.",
                                         limit=f"{MAX_ROWS:,}"))
        cells = list(cells[:sheet.width if sheet else MAX_COLUMNS])
        if sheet is None:
            headers = {i: str(c).strip() for i, c in enumerate(cells)
                       if c is not None and str(c).strip()}
            if not headers:
                raise ImportFileRefused(t._("The first row must hold the column headers "
                                            "(客户名称 / Customer name, …)."))
            sheet = Sheet(headers)
            continue
        if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
            continue
        if len(sheet.rows) >= MAX_ROWS:
            raise ImportFileTooLarge(t._("The file has more than {limit} rows; split it.",
                                         limit=f"{MAX_ROWS:,}"))
        sheet.rows.append((number, cells))
    if sheet is None:
        raise ImportFileRefused(t._("The file is empty."))
    return sheet


def _csv_rows(content: bytes, t: Texts) -> Iterator[list[str]]:
    text = None
    for encoding in ENCODINGS:
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    if text is None or "\0" in text:
        raise ImportFileRefused(t._("The file is neither UTF-8 nor GB18030 text. In Excel, "
                                    "save it as \"CSV UTF-8\" (or as .xlsx)."))
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        yield from reader
    except csv.Error as err:
        raise ImportFileRefused(t._("The file is not valid CSV (line {line}): {reason}.",
                                    line=reader.line_num, reason=str(err)[:200])) from err


def _workbook_file(file_name: str, content: bytes, t: Texts) -> io.BytesIO:
    """The workbook's .xml and .rels members, unpacked within the limits, as a new zip."""
    try:
        members = read_zip(file_name, content, suffixes=WORKBOOK_SUFFIXES,
                           file_limit=MAX_BUNDLE_BYTES)
    except BundleTooLarge as err:
        raise ImportFileTooLarge(t._("The workbook unpacks to more than it may (at most "
                                     "{limit} MB, compressed at most 100 times): refused.",
                                     limit=MAX_BUNDLE_BYTES // (1024 * 1024))) from err
    except DeploymentInvalid as err:
        reasons = "; ".join(p.reason for p in err.problems)[:300]
        raise ImportFileRefused(t._("The file is not a readable .xlsx workbook ({reason}).",
                                    reason=reasons)) from err
    if any(DOCTYPE.search(data) for _, data in members):  # no entities, no DTDs
        raise ImportFileRefused(t._("The file is not a readable .xlsx workbook ({reason}).",
                                    reason="DOCTYPE"))
    rebuilt = io.BytesIO()
    with zipfile.ZipFile(rebuilt, "w", zipfile.ZIP_STORED) as archive:
        for name, data in members:
            archive.writestr(name, data)
    rebuilt.seek(0)
    return rebuilt


def _worksheet_rows(workbook: io.BytesIO, t: Texts) -> Iterator[tuple[Any, ...]]:
    """The first worksheet's rows, read as they are needed (formulas as text)."""
    from openpyxl import load_workbook  # type: ignore[import-untyped]  # only .xlsx needs it

    book = load_workbook(workbook, read_only=True, data_only=False, keep_links=False)
    try:
        if not book.worksheets:
            raise ImportFileRefused(t._("The workbook has no worksheet."))
        yield from book.worksheets[0].iter_rows(max_col=MAX_COLUMNS, values_only=True)
    finally:
        book.close()
