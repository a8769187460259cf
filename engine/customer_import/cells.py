"""One cell read as the register's value, or a `CellProblem` saying why not (in the reader's
language). A formula is only ever its text: where a number or a date is wanted it is refused."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from engine.addresses import AddressInvalid, normalized_address
from engine.i18n import Texts

from .columns import CLASSES, CREDITS, STATUSES, Column, value_key

MAX_VOLUME = Decimal("1e12")  # the register's Numeric(14, 2)
CLASS_SEPARATORS = (",", "，", ";", "；", "、", "|", "/")


class CellProblem(ValueError):
    """Why a cell cannot be imported; the message is for the person who sent the file."""


def as_text(value: Any) -> str:
    """A cell as text: numbers without a trailing `.0` (phone numbers typed as numbers)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() \
            else value.isoformat(sep=" ")
    return str(value).strip()


def is_blank(value: Any) -> bool:
    """An empty cell (None, or only spaces)."""
    return value is None or (isinstance(value, str) and not value.strip())


def read_cell(column: Column, value: Any, t: Texts) -> Any:
    """The value of a non-blank cell for `column`."""
    if isinstance(value, str) and "\0" in value:
        raise CellProblem(t._("The cell holds a NUL character."))
    reader = READERS[column.kind]
    return reader(column, value, t)


def _text(column: Column, value: Any, t: Texts) -> str:
    text = as_text(value)
    if len(text) > column.limit:
        raise CellProblem(t._("Longer than {limit} characters.", limit=column.limit))
    return text


def _formula(value: Any, t: Texts) -> None:
    if isinstance(value, str) and value.strip().startswith("="):
        raise CellProblem(t._("A formula ({formula}) is not calculated: enter its value.",
                              formula=value.strip()[:60]))


def _volume(column: Column, value: Any, t: Texts) -> Decimal:
    _formula(value, t)
    if isinstance(value, bool):
        raise CellProblem(t._("Not a number: {value}.", value=value))
    text = as_text(value).replace(",", "").replace("，", "")
    try:
        number = Decimal(text).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError) as err:
        raise CellProblem(t._("Not a number: {value}.", value=text[:60])) from err
    if not number.is_finite() or number < 0 or number >= MAX_VOLUME:
        raise CellProblem(t._("Must be at least 0 and below 1,000,000,000,000."))
    return number


def _date(column: Column, value: Any, t: Texts) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    _formula(value, t)
    text = as_text(value).replace("/", "-").replace(".", "-")
    try:
        return date.fromisoformat(text)
    except ValueError as err:
        raise CellProblem(t._("Not a date (YYYY-MM-DD): {value}.", value=text[:60])) from err


def _email(column: Column, value: Any, t: Texts) -> str:
    text = as_text(value)
    try:
        return normalized_address(text)
    except AddressInvalid as err:
        raise CellProblem(t._("Not an e-mail address: {value}.", value=text[:80])) from err


def _choice(table: dict[str, str], choices: str, value: Any, t: Texts) -> str:
    text = as_text(value)
    found = table.get(value_key(text))
    if found is None:
        raise CellProblem(t._("Unknown value “{value}”; use one of: {choices}.",
                              value=text[:60], choices=choices))
    return found


def _status(column: Column, value: Any, t: Texts) -> str:
    return _choice(STATUSES, "大客户 / key_account, 潜在客户 / potential", value, t)


def _credit(column: Column, value: Any, t: Texts) -> str:
    return _choice(CREDITS, "良好 / good, 一般 / fair, 差 / poor, 未知 / unknown", value, t)


def _classes(column: Column, value: Any, t: Texts) -> list[str]:
    text = as_text(value)
    for separator in CLASS_SEPARATORS[1:]:
        text = text.replace(separator, CLASS_SEPARATORS[0])
    choices = "优质客户 / quality, 高值客户 / high_value, 集团客户 / group, " \
              "战略客户 / strategic, 潜在大客户 / potential"
    codes = [_choice(CLASSES, choices, part, t) for part in text.split(",") if part.strip()]
    return list(dict.fromkeys(codes))


def _owner(column: Column, value: Any, t: Texts) -> str:
    return as_text(value)  # a user name or display name, looked up by the checker


READERS = {"text": _text, "name": _text, "status": _status, "classes": _classes,
           "owner": _owner, "volume": _volume, "credit": _credit, "email": _email,
           "date": _date}
