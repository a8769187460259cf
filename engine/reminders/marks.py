"""The steady tick's shortcut: per open task, when its notices may next change.

A task's notices follow from its due time, its policy, its assignee, the directory of
reachable people and the clock. After the tick has written a task's notices it records a
`ReminderMark`: the next moment the clock can change them (the reminder lead, the due time,
the next overdue repeat, the escalation; None when nothing further comes), with the assignee,
the due time and a fingerprint of the directory it saw. The next tick reads only the tasks
whose mark is missing, due, or no longer matches — in SQL, so a tick with nothing due costs
one indexed query, not a pass over every overdue task in Python. The idempotency keys stay
the guarantee against writing a notice twice; the marks only skip work that would write
nothing. A task whose notices failed gets no mark and is looked at again next tick.

A task that ends (completed, cancelled) keeps its row in `human_task`, so its mark would
stay for ever: each tick deletes those among the next `SWEEP_WINDOW` marks in task id order
(`sweep_ended`), so every mark is looked at in turn, at a bounded cost a tick (archiving
keeps task rows too; a task row that is deleted takes its mark along: the key cascades).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from engine.models import OPEN_TASK_STATES, HumanTask, ReminderMark

from .ahead import prepared_ahead
from .bulk import json_rows
from .policy import ReminderPolicy

log = logging.getLogger(__name__)
CHUNK = 10_000
SWEEP_WINDOW = 2_000  # marks a tick looks at for ended tasks (a pass over them all, in turns)


def next_change(policy: ReminderPolicy, due_at: datetime, now: datetime,
                created_at: datetime | None = None) -> datetime | None:
    """The first moment after `now` at which `stages` (task_notices.py) gives more notices."""
    if now < due_at:
        lead = policy.remind_before
        if lead:
            remind_at = due_at - lead
            if created_at is not None and created_at >= remind_at:
                remind_at = created_at + (due_at - created_at) / 2
            if now < remind_at:
                return remind_at
        return due_at
    times = []
    if policy.overdue_every:
        nth = int((now - due_at) / policy.overdue_every) + 1
        times.append(due_at + policy.overdue_every * nth)
    if policy.escalate_after is not None and now < due_at + policy.escalate_after:
        times.append(due_at + policy.escalate_after)
    return min(times) if times else None


def needs_a_look(people: str, now: datetime) -> ColumnElement[bool]:
    """Tasks (outer-joined to their mark) whose notices may have changed since their mark."""
    return or_(ReminderMark.task_id.is_(None), ReminderMark.next_at <= now,
               ReminderMark.people != people,
               ReminderMark.assignee_id.is_distinct_from(HumanTask.assignee_id),
               ReminderMark.due_at.is_distinct_from(HumanTask.due_at))


@dataclass
class TaskMarks:
    """The marks of one tick, written once its notices are."""

    people: str
    rows: dict[int, dict[str, Any]] = field(default_factory=dict)

    def add(self, task_id: int, next_at: datetime | None, assignee_id: int | None,
            due_at: datetime | None) -> None:
        """Note what the tick concluded about one task."""
        self.rows[task_id] = {"task_id": task_id, "next_at": next_at,
                              "assignee_id": assignee_id, "due_at": due_at,
                              "people": self.people}

    def write(self, session: Session, failed_tasks: set[int]) -> int:
        """Upsert the marks of the tasks that did not fail; a refusal only costs speed (the
        tasks are looked at again next tick), so it is logged, not raised."""
        rows = [r for task_id, r in self.rows.items() if task_id not in failed_tasks]
        if not rows:
            return 0
        dialect = session.get_bind().dialect
        postgres = dialect.name == "postgresql"
        insert: Any = postgresql.insert if postgres else sqlite.insert

        def upsert(chunk: list[dict[str, Any]]) -> Any:
            stmt = insert(ReminderMark)
            if postgres:  # the rows inside the statement: one JSON document (bulk.py)
                stmt = stmt.from_select(*json_rows(ReminderMark.__table__,  # type: ignore[arg-type]
                                                   chunk, dialect))
            return stmt.on_conflict_do_update(
                index_elements=["task_id"],
                set_={c: stmt.excluded[c] for c in ("next_at", "assignee_id", "due_at", "people")})

        chunks = [rows[start:start + CHUNK] for start in range(0, len(rows), CHUNK)]
        try:
            with session.begin_nested():
                # the next chunk's statement is made while the database writes this one
                for chunk, stmt in prepared_ahead(chunks, upsert):
                    session.execute(stmt) if postgres else session.execute(stmt, chunk)
        except Exception:
            log.exception("reminder marks not written; those tasks are looked at next tick")
            return 0
        return len(rows)


def sweep_ended(session: Session, after: int = 0, window: int = SWEEP_WINDOW
                ) -> tuple[int, int]:
    """Delete the marks of ended tasks among the `window` marks after task id `after`:
    (how many went, where the next sweep starts — 0 once the last window is done).

    A window, not the whole table: a tick with nothing to delete still looks at every mark
    it covers, so the cost a tick stays bounded however many marks there are. A refusal only
    leaves them for a later pass, so it is logged, not raised.
    """
    ahead = (select(ReminderMark.task_id).where(ReminderMark.task_id > after)
             .order_by(ReminderMark.task_id).limit(window).subquery())
    try:
        with session.begin_nested():
            end, count = session.execute(select(func.max(ahead.c.task_id), func.count())
                                         .select_from(ahead)).one()
            if end is None:
                return 0, 0
            ended = (select(HumanTask.id)
                     .where(HumanTask.id == ReminderMark.task_id,
                            HumanTask.state.not_in(OPEN_TASK_STATES))
                     .exists())
            result = session.execute(
                delete(ReminderMark)
                .where(ReminderMark.task_id > after, ReminderMark.task_id <= end, ended)
                .execution_options(synchronize_session=False))
    except Exception:
        log.exception("marks of ended tasks not deleted; a later tick tries again")
        return 0, 0
    return int(result.rowcount), (end if count == window else 0)  # type: ignore[attr-defined]
