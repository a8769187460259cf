"""Every row of a sheet checked against the register, each problem with its row and header.

The headers are matched first (an unknown or repeated header is a problem of row 1; without a
name column no row is checked). Then each row on its own: a row that fails in an unexpected
way becomes a problem of that row, and the others are still checked. A name already in the
register is a duplicate unless the import updates; a name twice in the file is a problem of
the later row. Owners are looked up among active senior managers, by user name or display
name. Nothing is written here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.i18n import Texts
from engine.models import Customer, User
from engine.roles import RoleName

from .cells import CellProblem, as_text, is_blank, read_cell
from .columns import Column, column_for
from .reading import Sheet

log = logging.getLogger(__name__)
LOOKUP_CHUNK = 500  # names per IN (...) query
PROGRESS_EVERY = 500  # rows between progress reports


@dataclass(frozen=True)
class RowProblem:
    """One problem: the sheet's row number, the column's header as the file wrote it (None:
    the whole row or file), and what is wrong."""

    row: int
    column: str | None
    message: str

    def as_dict(self) -> dict[str, Any]:
        """JSON form, as the API reports it."""
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class CheckedRow:
    """A row's values by register column (blank cells left out), and the customer it updates."""

    row: int
    values: dict[str, Any]
    existing_id: int | None = None


@dataclass
class Checked:
    """The outcome of checking a sheet: the good rows, and every problem found."""

    rows: list[CheckedRow] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)


def header_columns(sheet: Sheet, t: Texts) -> tuple[dict[int, Column], list[RowProblem]]:
    """The column each header names, and the problems of the header row."""
    columns: dict[int, Column] = {}
    problems: list[RowProblem] = []
    seen: dict[str, str] = {}
    for index, header in sheet.headers.items():
        column = column_for(header)
        if column is None:
            problems.append(RowProblem(1, header, t._(
                "Unknown column: rename it to one of the columns listed on the import page, "
                "or delete it.")))
        elif column.field in seen:
            problems.append(RowProblem(1, header, t._(
                "The same column as “{other}”.", other=seen[column.field])))
        else:
            seen[column.field] = header
            columns[index] = column
    if "name" not in seen:
        problems.append(RowProblem(1, None, t._(
            "No column holds the customer's name (header 客户名称 or Customer name).")))
    return columns, problems


@dataclass
class RegisterFacts:
    """What the checks need from the database: the file's names already in the register,
    and the active senior managers by name."""

    existing: dict[str, int]
    owners: dict[str, int]


def register_facts(session: Session, sheet: Sheet, t: Texts) -> RegisterFacts:
    """Read the facts once (a few queries), so the rows are checked outside a transaction."""
    columns, _ = header_columns(sheet, t)
    name_at = next((i for i, c in columns.items() if c.field == "name"), None)
    names = set() if name_at is None else {
        as_text(cells[name_at]) for _, cells in sheet.rows
        if name_at < len(cells) and not is_blank(cells[name_at])}
    return RegisterFacts(existing_customers(session, names), senior_managers(session))


def check_sheet(session: Session, sheet: Sheet, t: Texts, *, update: bool) -> Checked:
    """Check every row against the register (reads it, writes nothing)."""
    return check_rows(sheet, register_facts(session, sheet, t), t, update=update)


def check_rows(sheet: Sheet, facts: RegisterFacts, t: Texts, *, update: bool,
               progress: Callable[[int], None] | None = None) -> Checked:
    """Check every row against `facts`; `progress(n)` after every PROGRESS_EVERY rows."""
    columns, problems = header_columns(sheet, t)
    checked = Checked(problems=problems)
    name_at = next((i for i, c in columns.items() if c.field == "name"), None)
    if name_at is None:
        return checked
    existing, owners = facts.existing, facts.owners
    first_row: dict[str, int] = {}
    for done, (number, cells) in enumerate(sheet.rows, start=1):
        try:
            row, row_problems = _check_row(number, cells, columns, sheet.headers, owners, t)
        except Exception:  # a bug must not hide the other rows' problems
            log.exception("import row %s could not be checked", number)
            row, row_problems = None, [RowProblem(number, None, t._(
                "This row could not be read; check its cells."))]
        checked.problems.extend(row_problems)
        name = row.values.get("name") if row is not None else None
        if row is not None and name is not None and not row_problems:
            header = sheet.headers[name_at]
            if name in first_row:
                checked.problems.append(RowProblem(number, header, t._(
                    "“{name}” is already in row {row} of this file.",
                    name=name, row=first_row[name])))
            elif name in existing and not update:
                checked.problems.append(RowProblem(number, header, t._(
                    "A customer named “{name}” already exists. Choose “update existing "
                    "customers” to update it.", name=name)))
            else:
                row.existing_id = existing.get(name)
                checked.rows.append(row)
        if name is not None:
            first_row.setdefault(name, number)
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(done)
    return checked


def _check_row(number: int, cells: list[Any], columns: dict[int, Column],
               headers: dict[int, str], owners: dict[str, int], t: Texts
               ) -> tuple[CheckedRow, list[RowProblem]]:
    """One row's values, and its problems named by the file's headers."""
    values: dict[str, Any] = {}
    problems: list[RowProblem] = []
    for index, column in columns.items():
        value = cells[index] if index < len(cells) else None
        if is_blank(value):
            if column.field == "name":
                problems.append(RowProblem(number, headers[index],
                                           t._("The customer's name is missing.")))
            continue
        try:
            read = read_cell(column, value, t)
            if column.field == "owner":
                owner_id = owners.get(read.lower())
                if owner_id is None:
                    raise CellProblem(t._("No active senior manager is called “{value}” (user "
                                          "name or display name).", value=read[:80]))
                values["owner_id"] = owner_id
            else:
                values[column.field] = read
        except CellProblem as problem:
            problems.append(RowProblem(number, headers[index], str(problem)))
    return CheckedRow(number, values), problems


def existing_customers(session: Session, names: set[str]) -> dict[str, int]:
    """name -> id of the register's customers among `names`."""
    found: dict[str, int] = {}
    ordered = sorted(names)
    for start in range(0, len(ordered), LOOKUP_CHUNK):
        chunk = ordered[start:start + LOOKUP_CHUNK]
        found.update((name, id_) for name, id_ in session.execute(
            select(Customer.name, Customer.id).where(Customer.name.in_(chunk))))
    return found


def senior_managers(session: Session) -> dict[str, int]:
    """Active senior managers by lower-cased user name and display name (user names win)."""
    users = session.scalars(select(User).where(User.active.is_(True))).all()
    managers = [u for u in users if u.has_role(RoleName.SENIOR_MANAGER)]
    by_name = {u.display_name.strip().lower(): u.id for u in managers if u.display_name}
    by_name.update({u.username.lower(): u.id for u in managers})
    return by_name
