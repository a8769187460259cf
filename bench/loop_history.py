"""Benchmark: how an instance's saved state and command time grow with each pass of a loop.

Drives tests/data/loop_back (a 4-element loop, then a person decides "once more?") on a
temporary SQLite database: one lap per command (`decide` with again=true), as a send-back
loop does. SpiffWorkflow keeps every pass in the task tree, so the state and the time of
each command grow with the number of passes. Prints a line per checkpoint and `name=value`
figures last.

    .venv/bin/python -m bench.loop_history [--laps 1000] [--every 100]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from engine.accounts import create_user
from engine.clock import MovableClock
from engine.db import make_db_engine, make_session_factory
from engine.deployment import Bundle
from engine.models import Base, HumanTask, ProcessInstance
from engine.workflow_engine import WorkflowEngine

BUNDLE = Path(__file__).parents[1] / "tests" / "data" / "loop_back"


def main() -> None:
    """Go round the loop and print the growth."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--laps", type=int, default=1000)
    ap.add_argument("--every", type=int, default=100, help="print a checkpoint every N laps")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = make_db_engine(f"sqlite:///{Path(tmp) / 'loop.db'}")
        Base.metadata.create_all(db)
        sessions = make_session_factory(db)
        clock = MovableClock(datetime(2026, 3, 2, 1, 0, tzinfo=UTC))
        kf = WorkflowEngine(clock=clock)
        with sessions.begin() as s:
            manager = create_user(s, clock, "manager", ["senior_manager"])
            kf.deploy(s, Bundle.from_folder(BUNDLE))
            instance_id = kf.start_instance(s, "loop_back", manager,
                                            data={"laps": 0, "target": 1, "more": 1}).id
        first: tuple[int, float] | None = None
        last: tuple[int, float] = (0, 0.0)
        for lap in range(2, args.laps + 1):
            with sessions.begin() as s:
                task = s.scalars(select(HumanTask).where(
                    HumanTask.instance_id == instance_id,
                    HumanTask.state.in_(["ready", "claimed"]))).one()
                started = time.perf_counter()
                kf.complete_task(s, task.id, s.merge(manager), {"again": True})
                s.flush()
                elapsed = time.perf_counter() - started
                instance = s.get(ProcessInstance, instance_id)
                assert instance is not None and instance.status == "running", instance
                size = len(instance.state)
            if lap % args.every == 0:
                print(f"lap {lap:5d}: state {size / 1024:8.0f} KiB, "
                      f"command {elapsed * 1000:6.0f} ms")
                first = first or (size, elapsed)
                last = (size, elapsed)
        db.dispose()
    assert first is not None
    laps = args.laps - args.every
    print(f"laps={args.laps}")
    print(f"state_kib_at_end={last[0] / 1024:.0f}")
    print(f"state_bytes_per_lap={(last[0] - first[0]) / max(laps, 1):.0f}")
    print(f"command_ms_at_end={last[1] * 1000:.0f}")
    print(f"command_ms_growth_per_100_laps={(last[1] - first[1]) * 1000 * 100 / max(laps, 1):.1f}")


if __name__ == "__main__":
    main()
