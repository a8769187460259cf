"""Benchmark: one poisoned record among 1,000 healthy ones, in the relay and in the reminder tick.

(a) relay: 1 outbox row whose recipient holds CR/LF, first in line, then N healthy rows; the
    worker's own `keyflow.relay` task runs until nothing is due, into an aiosmtpd sink
    process. Before issue 9 the poisoned row stopped every mail behind it.
(b) tick: N open tasks one hour overdue (N overdue notices due) and 1 open customer task
    whose instance's saved state is damaged; one `write_reminders` transaction.

Each database (SQLite file and PostgreSQL by default) gets its tables recreated.

    .venv/bin/python -m bench.poisoned_mail [-n 1000] [--url URL ...]

URLs also come from KEYFLOW_BENCH_URLS (space-separated). The last lines are `name=value`.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, func, insert, select
from sqlalchemy.engine import make_url

from bench.engine import ensure_database
from engine.accounts import create_user
from engine.clock import SystemClock
from engine.customer_links import LinkSigner
from engine.db import make_db_engine, make_session_factory
from engine.deployment import Bundle
from engine.models import Base, HumanTask, Notification, ProcessDefinition, ProcessInstance
from engine.reminders import PolicyBook, ReminderConfig, write_reminders
from engine.settings import Settings, use_settings
from engine.workflow_engine import WorkflowEngine
from workers.context import use_context

BUNDLE = Path(__file__).parents[1] / "tests" / "data" / "approval"
PG_URL = "postgresql+psycopg://postgres@127.0.0.1/keyflow_bench_poison"
MANAGERS = 20


def fresh(url: str) -> tuple[datetime, list[int], int]:
    """Empty tables, managers, the approval process; (now, manager ids, definition id)."""
    if make_url(url).get_backend_name() == "postgresql":
        ensure_database(url)
    db = make_db_engine(url)
    Base.metadata.drop_all(db)
    Base.metadata.create_all(db)
    clock = SystemClock()
    with make_session_factory(db)() as s, s.begin():
        managers = [create_user(s, clock, f"sm{i}", ["senior_manager"],
                                email=f"sm{i}@bench.test").id for i in range(MANAGERS)]
        create_user(s, clock, "head", ["dept_head"], email="head@bench.test")
        WorkflowEngine(clock=clock).deploy(s, Bundle.from_folder(BUNDLE))
        definition = s.scalars(select(ProcessDefinition.id)).one()
    db.dispose()
    return clock.now(), managers, definition


@contextmanager
def smtp_sink() -> Iterator[int]:
    """An aiosmtpd sink in its own process on a free loopback port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    sink = subprocess.Popen([sys.executable, "-m", "aiosmtpd", "-n", "-c",
                             "aiosmtpd.handlers.Sink", "-l", f"127.0.0.1:{port}"])
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        yield port
    finally:
        sink.terminate()
        sink.wait(timeout=10)


def relay(url: str, n: int, poison: bool = True) -> dict[str, float]:
    """(a): time until nothing is due, and the outbox's counts."""
    now, managers, _ = fresh(url)
    db = make_db_engine(url)
    with db.begin() as conn:
        first = now - timedelta(minutes=1)
        rows = [{"idempotency_key": "poison", "created_at": first, "next_attempt_at": first,
                 "recipient_email": "sm0@bench.test\r\nBcc: x@evil.test"}] if poison else []
        rows += [{"idempotency_key": f"mail:{i}", "created_at": now, "next_attempt_at": now,
                  "recipient_email": f"sm{i % MANAGERS}@bench.test",
                  "recipient_id": managers[i % MANAGERS]} for i in range(n)]
        conn.execute(insert(Notification), [
            {"language": "zh", "kind": "task_overdue", "subject": "已逾期：提交申请",
             "body": "任务已逾期。", "status": "pending", "attempts": 0, **row} for row in rows])
    with smtp_sink() as port:
        os.environ.update(KEYFLOW_DATABASE_URL=url, KEYFLOW_SMTP_URL=f"smtp://127.0.0.1:{port}",
                          KEYFLOW_RELAY_BATCH="200")
        os.environ.pop("KEYFLOW_CLOCK_FILE", None)
        use_settings(Settings.from_env())
        use_context(None)
        from workers.tasks import relay as relay_task

        started = time.perf_counter()
        while relay_task():
            pass
        seconds = time.perf_counter() - started
        use_context(None)
    counts = outbox_counts(db)
    db.dispose()
    return {"seconds": seconds, "sent": counts.get("sent", 0), "failed": counts.get("failed", 0),
            "pending": counts.get("pending", 0)}


def tick(url: str, n: int, poison: bool = True) -> dict[str, float]:
    """(b): one reminder tick over n overdue tasks and one customer task that cannot load."""
    now, managers, definition = fresh(url)
    db = make_db_engine(url)
    with db.begin() as conn:
        conn.execute(insert(ProcessInstance), [
            {"id": i, "definition_id": definition, "status": "running", "started_at": now,
             "state": "{}" if i <= n else '{"damaged": ', "version": 1,
             "started_by_id": managers[i % MANAGERS]} for i in range(1, n + 1 + poison)])
        conn.execute(insert(HumanTask), [_task(i, n, now, managers)
                                         for i in range(1, n + 1 + poison)])
    kf = WorkflowEngine()
    config = ReminderConfig(ZoneInfo("Asia/Shanghai"), None, "http://bench", timedelta(days=7))
    started = time.perf_counter()
    with make_session_factory(db)() as s, s.begin():
        result = write_reminders(s, kf.runtime, PolicyBook(kf.runtime.specs),
                                 LinkSigner(b"bench"), config, now)
    seconds = time.perf_counter() - started
    with make_session_factory(db)() as s:
        recorded = s.scalar(select(func.count()).where(Notification.kind == "reminder_failed"))
    db.dispose()
    written = result.written or {}
    return {"seconds": seconds, "notices": sum(written.values()), "failed": result.failed,
            "recorded": recorded or 0}


def _task(i: int, n: int, now: datetime, managers: list[int]) -> dict[str, object]:
    poisoned = i > n  # the last one: a customer task of the damaged instance
    return {"id": i, "spiff_task_id": f"00000000-0000-0000-0000-{i:012d}", "instance_id": i,
            "process_key": "approval", "bpmn_id": "confirm" if poisoned else "submit",
            "name": "确认" if poisoned else "提交申请", "name_en": "Submit",
            "role": "customer" if poisoned else "senior_manager",
            "assignee_id": None if poisoned else managers[i % MANAGERS],
            "state": "ready" if poisoned else "claimed", "created_at": now - timedelta(days=3),
            "due_at": None if poisoned else now - timedelta(hours=1)}


def outbox_counts(db: Engine) -> dict[str, int]:
    """Outbox rows per status."""
    with db.connect() as conn:
        return dict(conn.execute(select(Notification.status, func.count())
                                 .group_by(Notification.status)).tuples().all())


def main() -> None:
    """Run (a) and (b) on each database; print the figures, `name=value` last."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=1000, help="healthy records")
    parser.add_argument("--url", action="append", help="a database URL (repeatable)")
    parser.add_argument("--baseline", action="store_true",
                        help="also run both without the poisoned record")
    args = parser.parse_args()
    urls = args.url or os.environ.get("KEYFLOW_BENCH_URLS", "").split() or [
        f"sqlite:///{tempfile.mkdtemp(prefix='kf-bench-')}/poison.db", PG_URL]
    figures: dict[str, float] = {}
    for url in urls:
        name = make_url(url).get_backend_name()
        runs = [("relay", relay, True), ("tick", tick, True)]
        if args.baseline:
            runs += [("relay_clean", relay, False), ("tick_clean", tick, False)]
        for kind, run, poison in runs:
            result = run(url, args.n, poison)
            print(f"{name} {kind}: " + ", ".join(f"{k} {v:.2f}" if isinstance(v, float)
                                                 else f"{k} {v}" for k, v in result.items()))
            figures |= {f"{name}_{kind}_{k}": v for k, v in result.items()}
    for key, value in figures.items():
        print(f"{key}={value:.3f}" if isinstance(value, float) else f"{key}={value}")


if __name__ == "__main__":
    main()
