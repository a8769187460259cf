"""Customer lists as a department keeps them, for the import tests: .xlsx and .csv files of any
length, with bad rows placed where a test wants them."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from openpyxl import Workbook

HEADERS = ["客户名称", "状态", "行业", "客户分类", "负责人", "累计签约量（方）",
           "单笔最大合同", "回款信用", "关键联系人", "联系人电话", "联系人邮箱", "联系人生日",
           "备注"]

# (column header, bad value, what the problem message says) — twelve kinds of bad row.
BAD_CELLS: list[tuple[str, Any, str]] = [
    ("客户名称", None, "name is missing"),
    ("客户名称", "长" * 201, "Longer than 200"),
    ("状态", "VIP", "Unknown value"),
    ("客户分类", "优质客户，金牌客户", "Unknown value"),
    ("负责人", "nobody_here", "No active senior manager"),
    ("累计签约量（方）", "很多", "Not a number"),
    ("累计签约量（方）", "-5", "at least 0"),
    ("单笔最大合同", "=B2*2", "formula"),
    ("回款信用", "excellent", "Unknown value"),
    ("联系人邮箱", "wang@@example", "Not an e-mail address"),
    ("联系人生日", "1990-13-45", "Not a date"),
    ("客户名称", "DUPLICATE", "already in row"),
]


def good_row(i: int) -> list[Any]:
    """Row `i` of a valid list (names 客户00001, …)."""
    return [f"客户{i:05d}", "大客户" if i % 3 else "潜在客户", "路桥", "优质客户、集团客户",
            "senior_manager", 1000 + i, 500.5, "良好", f"王{i}", 13800000000 + i,
            f"c{i}@example.test", date(1980, 1 + i % 12, 1 + i % 28), f"第{i}行"]


def rows_with_bad(count: int, bad_at: dict[int, tuple[str, Any, str]] | None = None
                  ) -> list[list[Any]]:
    """`count` rows; row index -> (header, value) replaced for the bad ones."""
    rows = [good_row(i) for i in range(count)]
    for index, (header, value, _) in (bad_at or {}).items():
        if value == "DUPLICATE":
            value = rows[0][0]
        rows[index][HEADERS.index(header)] = value
    return rows


def xlsx(rows: list[list[Any]], headers: list[str] | None = None) -> bytes:
    """A workbook whose first sheet holds the headers and rows."""
    book = Workbook()
    sheet = book.active
    sheet.append(headers or HEADERS)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(rows: list[list[Any]], headers: list[str] | None = None,
              encoding: str = "utf-8-sig") -> bytes:
    """The rows as CSV text in `encoding`."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(headers or HEADERS)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def spread_bad_rows(count: int) -> dict[int, tuple[str, Any, str]]:
    """The twelve kinds of bad row spread over a file of `count` rows (never row index 0,
    which a duplicate repeats)."""
    step = (count - 1) // len(BAD_CELLS)
    return {1 + k * step: bad for k, bad in enumerate(BAD_CELLS)}
