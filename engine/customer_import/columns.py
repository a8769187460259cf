"""The columns an import file may have: the register's fields, by their Chinese or English header.

A header matches a column by its Chinese title, its English title or the field's name
(`key_contact_phone`), ignoring case, spaces and a unit in brackets (`累计签约量（方）`).
Only `name` is required; a column that is absent or a cell left blank keeps what the
register holds (on an update) or stays empty (a new customer).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    """One importable field: its register column, titles, and how its cells are read."""

    field: str
    zh: str
    en: str
    kind: str  # text, name, status, classes, owner, volume, credit, email, date
    limit: int = 0  # characters, for text


COLUMNS: tuple[Column, ...] = (
    Column("name", "客户名称", "Customer name", "name", 200),
    Column("status", "状态", "Status", "status"),
    Column("account_number", "客户编号", "Account number", "text", 40),
    Column("industry", "行业", "Industry", "text", 40),
    Column("source_channel", "来源渠道", "Source channel", "text", 40),
    Column("classes", "客户分类", "Classes", "classes"),
    Column("owner", "负责人", "Owner", "owner"),
    Column("cumulative_volume", "累计签约量", "Cumulative volume", "volume"),
    Column("largest_single_volume", "单笔最大合同", "Largest single contract", "volume"),
    Column("credit", "回款信用", "Payment credit", "credit"),
    Column("key_contact_name", "关键联系人", "Key contact", "text", 120),
    Column("key_contact_position", "联系人职务", "Contact's position", "text", 120),
    Column("key_contact_phone", "联系人电话", "Contact's phone", "text", 40),
    Column("key_contact_email", "联系人邮箱", "Contact's e-mail", "email", 254),
    Column("key_contact_birthday", "联系人生日", "Contact's birthday", "date"),
    Column("notes", "备注", "Notes", "text", 10_000),
)
# Other words people use for the same columns in their sheets.
ALIASES = {"客户": "name", "名称": "name", "客户名": "name", "name": "name", "customer": "name",
           "客户经理": "owner", "业务经理": "owner", "信用": "credit", "分类": "classes",
           "联系人": "key_contact_name", "电话": "key_contact_phone", "邮箱": "key_contact_email"}

# Values people write for a status, a class and a credit, mapped to the register's codes.
STATUSES = {"key_account": "key_account", "大客户": "key_account", "key account": "key_account",
            "potential": "potential", "潜在客户": "potential", "潜在客户池": "potential",
            "potential pool": "potential"}
CLASSES = {"quality": "quality", "优质客户": "quality", "quality customer": "quality",
           "high_value": "high_value", "高值客户": "high_value",
           "high-value customer": "high_value",
           "group": "group", "集团客户": "group", "group customer": "group",
           "strategic": "strategic", "战略客户": "strategic", "strategic customer": "strategic",
           "potential": "potential", "潜在大客户": "potential",
           "potential key account": "potential"}
CREDITS = {"good": "good", "良好": "good", "fair": "fair", "一般": "fair", "poor": "poor",
           "差": "poor", "unknown": "unknown", "未知": "unknown"}

_UNIT = re.compile(r"[（(][^）)]*[）)]$")


def header_key(text: str) -> str:
    """A header as it is compared: no unit in brackets, no spaces, lower case."""
    return re.sub(r"\s+", "", _UNIT.sub("", text.strip())).lower()


def _index() -> dict[str, Column]:
    by_field = {c.field: c for c in COLUMNS}
    index = {header_key(alias): by_field[field] for alias, field in ALIASES.items()}
    for column in COLUMNS:
        for word in (column.zh, column.en, column.field):
            index[header_key(word)] = column
    return index


HEADERS = _index()


def column_for(header: str) -> Column | None:
    """The column a header names, or None."""
    return HEADERS.get(header_key(header))


def value_key(text: str) -> str:
    """A choice as it is compared: trimmed, lower case, single spaces."""
    return re.sub(r"\s+", " ", text.strip()).lower()
