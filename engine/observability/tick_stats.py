"""The tick tasks' own timings, kept in the database so that any web process can export them.

Workers run in processes (and on machines) that no scrape reaches; each run of a tick task
adds itself to its task's `tick_stat` row with one atomic upsert, committed apart from the
run's own work. Two workers finishing at once both count: the update adds to the row as it
is in the database, never to a value read before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from engine.models import TickStat


@dataclass(frozen=True)
class TickRun:
    """One finished run of a tick task."""

    task: str
    seconds: float
    failed: bool
    at: datetime


def record_tick_run(session: Session, run: TickRun) -> None:
    """Add `run` to its task's totals (the caller commits)."""
    values: dict[str, Any] = {
        "task": run.task, "runs": 1, "failed_runs": int(run.failed),
        "seconds_total": run.seconds, "last_seconds": run.seconds, "last_run_at": run.at}
    dialect = session.get_bind().dialect.name
    insert: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(TickStat).values(values)
    table = TickStat.__table__.c
    session.execute(stmt.on_conflict_do_update(index_elements=["task"], set_={
        "runs": table.runs + 1,
        "failed_runs": table.failed_runs + int(run.failed),
        "seconds_total": table.seconds_total + run.seconds,
        "last_seconds": run.seconds,
        "last_run_at": stmt.excluded.last_run_at,
    }))


def tick_stats(session: Session) -> list[TickStat]:
    """Every tick task's totals, by task name."""
    return list(session.scalars(select(TickStat).order_by(TickStat.task)))
