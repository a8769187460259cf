"""Reading the process history for the indicators: completed-task events and their grouping."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Integer, any_, bindparam, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from engine.db import is_postgres
from engine.models import AuditEvent, HumanTask, User

GROUPINGS = ("user", "role")  # what the indicators can be grouped by
# Tasks answered through a link have no actor; they are the customer's.
CUSTOMER_KEY = "(customer)"
UNASSIGNED_KEY = "(unassigned)"


@dataclass(frozen=True)
class Completion:
    """One `task_completed` event: who, which step, when and the submitted form data."""

    at: datetime
    actor_id: int | None
    instance_id: int | None
    process_key: str
    bpmn_id: str
    role: str | None
    customer_name: str | None
    data: dict[str, Any]


def completions(session: Session, bpmn_ids: Iterable[str], start: datetime | None = None,
                end: datetime | None = None,
                instance_ids: Iterable[int] | None = None,
                fields: Iterable[str] | None = None) -> list[Completion]:
    """Completions of the given steps, optionally in [start, end) or of some instances.

    `fields` names the submitted form fields wanted (`()`: none); only those are read from
    the database, not the whole submission (None: all of it).
    """
    wanted = None if fields is None else list(fields)
    data_columns: list[Any] = [AuditEvent.data] if wanted is None else [
        AuditEvent.data[("data", name)] for name in wanted]
    query = (select(AuditEvent.at, AuditEvent.actor_id, AuditEvent.instance_id,
                    AuditEvent.process_key, AuditEvent.bpmn_id, HumanTask.role,
                    HumanTask.customer_name, *data_columns)
             .outerjoin(HumanTask, HumanTask.id == AuditEvent.task_id)
             .where(AuditEvent.action == "task_completed",
                    AuditEvent.bpmn_id.in_(list(bpmn_ids)))
             .order_by(AuditEvent.at, AuditEvent.id))
    if start is not None:
        query = query.where(AuditEvent.at >= start)
    if end is not None:
        query = query.where(AuditEvent.at < end)
    if instance_ids is not None:
        query = query.where(among(session, AuditEvent.instance_id, instance_ids))

    def submitted(values: tuple[Any, ...]) -> dict[str, Any]:
        if wanted is None:
            return (values[0] or {}).get("data") or {}
        return {name: value for name, value in zip(wanted, values, strict=True)
                if value is not None}

    return [Completion(at, actor, instance, process or "", bpmn or "", role, customer,
                       submitted(tuple(values)))
            for at, actor, instance, process, bpmn, role, customer, *values
            in session.execute(query).tuples()]


def among(session: Session, column: Any, ids: Iterable[int]) -> ColumnElement[bool]:
    """`column IN ids`; on PostgreSQL as one array parameter (`= ANY(:ids)`): a quarter's
    thousands of instances cost more to send and parse as placeholders than to look up."""
    if is_postgres(session):
        return column == any_(bindparam(None, list(ids), type_=postgresql.ARRAY(Integer())))
    return column.in_(list(ids))


class Grouping:
    """Maps a completion to its group key: the user's name or the task's role."""

    def __init__(self, session: Session, by: str) -> None:
        if by not in GROUPINGS:
            raise ValueError(f"unknown grouping {by!r}")
        self.by = by
        self.names: dict[int, str] = dict(
            session.execute(select(User.id, User.username)).tuples().all())

    def user(self, user_id: int | None) -> str:
        """A user's name (a missing actor is the customer answering a link)."""
        return self.names.get(user_id, "") if user_id is not None else CUSTOMER_KEY

    def key(self, done: Completion) -> str:
        """The group of one completion."""
        if self.by == "role":
            return done.role or UNASSIGNED_KEY
        return self.user(done.actor_id)


def number(value: Any) -> float | None:
    """A form value as a number (forms send JSON numbers; anything else is missing)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def mean(values: list[float]) -> float | None:
    """The mean to two decimals, or None without values."""
    return round(sum(values) / len(values), 2) if values else None


def rate(part: int, whole: int) -> float | None:
    """part / whole to four decimals, or None when there is nothing to divide by."""
    return round(part / whole, 4) if whole else None


def latest_by_instance(done: list[Completion]) -> dict[int, Completion]:
    """The last completion per instance (a returned form is submitted again)."""
    found: dict[int, Completion] = {}
    for item in done:  # ordered by time, so later submissions win
        if item.instance_id is not None:
            found[item.instance_id] = item
    return found
