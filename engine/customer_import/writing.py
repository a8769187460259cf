"""Checked rows written into the register, all in the caller's one transaction.

New names are inserted in bulk; with `update`, a name already in the register gets the
row's non-blank cells (a blank cell keeps what is on record). The register's unique name
backs the check: a name someone filed since the rows were checked makes the insert fail, the
caller's transaction rolls back, and nothing of the file is imported. One audit event
(`customers_imported`) says who imported which file: imports are not filings, so the
indicators that count filings (`customer_filed`) do not see them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, update
from sqlalchemy.orm import Session

from engine.audit import record
from engine.errors import Conflict
from engine.models import Customer, User

from .checking import CheckedRow, existing_customers

INSERT_CHUNK = 1000
COLUMNS = ("name", "status", "account_number", "industry", "source_channel", "classes",
           "owner_id", "cumulative_volume", "largest_single_volume", "credit",
           "key_contact_name", "key_contact_position", "key_contact_phone",
           "key_contact_email", "key_contact_birthday", "notes")


@dataclass(frozen=True)
class Written:
    """How many customers the import created and updated."""

    created: int
    updated: int


def _with_flags(values: dict[str, Any]) -> dict[str, Any]:
    if "classes" in values:
        values = {**values, "is_group": "group" in values["classes"],
                  "is_strategic": "strategic" in values["classes"]}
    return values


def write_rows(session: Session, rows: list[CheckedRow], actor: User, now: datetime,
               *, file_name: str) -> Written:
    """Insert the new customers and update the existing ones; Conflict if a new name was
    registered by someone else since the rows were checked (the caller rolls back)."""
    new = [r for r in rows if r.existing_id is None]
    taken = existing_customers(session, {r.values["name"] for r in new})
    if taken:
        raise Conflict(f"{len(taken)} customer name(s) were registered meanwhile, e.g. "
                       f"{sorted(taken)[0]!r}; check the file again")
    inserts = [{"classes": [], "is_group": False, "is_strategic": False,
                "status": "key_account", **{c: None for c in COLUMNS if c not in (
                    "classes", "status")},
                **_with_flags(r.values), "filed_at": now, "updated_at": now,
                "filed_by_id": actor.id} for r in new]
    for start in range(0, len(inserts), INSERT_CHUNK):
        session.execute(insert(Customer), inserts[start:start + INSERT_CHUNK])
    updates = [{"id": r.existing_id, **_with_flags(r.values), "updated_at": now}
               for r in rows if r.existing_id is not None]
    for start in range(0, len(updates), INSERT_CHUNK):
        session.execute(update(Customer), updates[start:start + INSERT_CHUNK])
    written = Written(created=len(inserts), updated=len(updates))
    record(session, "customers_imported", at=now, actor=actor,
           data={"file": file_name, "created": written.created, "updated": written.updated})
    session.flush()
    return written
