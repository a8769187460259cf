"""Benchmark: one timer tick with 1 poisoned instance among N healthy ones due on a timer.

For SQLite and for PostgreSQL: recreate the tables, deploy tests/data/timer_wait, bring one
instance to its 2-hour timer and copy its row N times (each copy is a whole instance), damage
the saved state of one copy in the middle, move the clock past the timer and run the
worker's `fire_timers` task once (workers/tasks.py: one transaction per instance), with a
tick budget long enough to drain everything. Prints `name=value` figures last.

    .venv/bin/python -m bench.poisoned_tick [-n 1000] [--sqlite PATH] [--pg URL]

--pg defaults to KEYFLOW_TEST_DATABASE_URL; its tables are DROPPED and recreated, so point it
at a test database. (Run it as a module: as a script its name would shadow packages.)
"""

from __future__ import annotations

import argparse
import logging
import os
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from engine.accounts import create_user
from engine.db import make_db_engine, make_session_factory
from engine.deployment import Bundle
from engine.models import Base, HumanTask, ProcessInstance
from engine.settings import Settings
from engine.workflow_engine import WorkflowEngine
from workers.clock import FileClock
from workers.context import WorkerContext, use_context
from workers.tasks import fire_timers

BUNDLE = Path(__file__).parents[1] / "tests" / "data" / "timer_wait"
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
COPIED = ("definition_id", "business_key", "customer_name", "status", "started_by_id",
          "started_at", "state", "next_wakeup_at")


def prepare(sessions: sessionmaker[Session], clock: FileClock, healthy: int) -> int:
    """N+1 instances waiting on the timer; returns the id of the one whose state is damaged."""
    kf = WorkflowEngine(clock=clock)
    with sessions.begin() as s:
        manager = create_user(s, clock, "manager", ["senior_manager"])
        kf.deploy(s, Bundle.from_folder(BUNDLE))
        first = kf.start_instance(s, "timer_wait", manager)
    with sessions.begin() as s:
        plan = s.scalars(select(HumanTask).where(HumanTask.instance_id == first.id)).one()
        kf.complete_task(s, plan.id, s.merge(manager), {})
    with sessions.begin() as s:
        row = s.execute(select(*(getattr(ProcessInstance, c) for c in COPIED))
                        .where(ProcessInstance.id == first.id)).one()
        s.execute(insert(ProcessInstance), [dict(zip(COPIED, row, strict=True))] * healthy)
        poisoned = int(s.scalar(select(func.min(ProcessInstance.id)).where(
            ProcessInstance.id > first.id + healthy // 2)) or first.id)
        s.execute(update(ProcessInstance).where(ProcessInstance.id == poisoned)
                  .values(state="{damaged"))
    return poisoned


def one_tick(url: str, healthy: int, workdir: Path) -> dict[str, float]:
    """Prepare the database at `url`, run one tick, return its figures."""
    db = make_db_engine(url)
    Base.metadata.drop_all(db)
    Base.metadata.create_all(db)
    sessions = make_session_factory(db)
    clock = FileClock(workdir / "clock.txt")
    clock.set(T0)
    poisoned = prepare(sessions, clock, healthy)
    use_context(WorkerContext.build(Settings(
        database_url=url, clock_file=str(clock.path), var_dir=str(workdir / "var"),
        secret_key="bench", digest_at="off", tick_seconds=3600.0)))
    clock.set(T0 + timedelta(hours=2, seconds=1))
    started = time.perf_counter()
    fired = fire_timers()
    seconds = time.perf_counter() - started
    use_context(None)
    with sessions() as s:
        errored = s.scalar(select(func.count()).select_from(ProcessInstance).where(
            ProcessInstance.status == "error"))
        reports = s.scalar(select(func.count()).select_from(HumanTask).where(
            HumanTask.bpmn_id == "report"))
        poisoned_status = s.get(ProcessInstance, poisoned).status  # type: ignore[union-attr]
    db.dispose()
    return {"tick_s": round(seconds, 2), "fired": fired, "report_tasks": reports or 0,
            "errored": errored or 0, "poisoned_is_error": int(poisoned_status == "error"),
            "ms_per_instance": round(1000 * seconds / (healthy + 1), 1)}


def main() -> None:
    """Run the tick on both databases and print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=1000, help="healthy instances")
    ap.add_argument("--sqlite", help="SQLite file (default: a temporary one)")
    ap.add_argument("--pg", default=os.environ.get(
        "KEYFLOW_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/keyflow_test"))
    args = ap.parse_args()
    logging.basicConfig(level=logging.CRITICAL)  # the poisoned instance's traceback is expected
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        sqlite_url = f"sqlite:///{args.sqlite or workdir / 'keyflow.db'}"
        results = {"sqlite": one_tick(sqlite_url, args.n, workdir),
                   "postgresql": one_tick(args.pg, args.n, workdir)}
    print(f"healthy={args.n} poisoned=1")
    for name, figures in results.items():
        for key, value in figures.items():
            print(f"{name}_{key}={value}")


if __name__ == "__main__":
    main()
