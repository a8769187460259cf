"""Benchmark: one reminder tick over 100,000 open tasks, then the relay into loopback SMTP.

Fills the database (PostgreSQL by default, or SQLite: `--url sqlite:///…`) with N open
tasks (default 100,000) of which 10% are overdue — 80% of those assigned to one senior
manager each, 20% unclaimed in the dept_head role (three heads) — then times:
  1. the first tick writing the outbox rows (write_reminders, one transaction);
  2. a second tick that finds every key already written (the steady state every 30 s);
  3. the relay (the worker's own `keyflow.relay` task) sending M mails into an aiosmtpd
     sink in a separate process, in mails per second.

    .venv/bin/python -m bench.reminders [-n 100000] [-m 5000]
        [--url postgresql+psycopg://postgres@127.0.0.1/keyflow_bench_reminders] [--no-vacuum]
    .venv/bin/python -m bench.reminders --url sqlite:////tmp/keyflow_bench_reminders.db

The database is created if missing and its tables are recreated.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import make_url

from bench.common import ensure_database, headline
from engine.accounts import create_user
from engine.clock import SystemClock
from engine.customer_links import LinkSigner
from engine.db import make_db_engine, make_session_factory
from engine.deployment import Bundle
from engine.models import Base, HumanTask, Notification, ProcessDefinition, ProcessInstance
from engine.reminders import PolicyBook, ReminderConfig, write_reminders
from engine.settings import Settings, use_settings
from engine.workflow_engine import WorkflowEngine

BUNDLE = Path(__file__).parents[1] / "tests" / "data" / "approval"
URL = "postgresql+psycopg://postgres@127.0.0.1/keyflow_bench_reminders"
CHUNK = 10_000


def populate(url: str, n: int, vacuum: bool = True) -> datetime:
    """Users, the approval process, N instances with one open task each; returns `now`.

    The filled tables are then vacuumed and analyzed, and on PostgreSQL a checkpoint written,
    as a database is after a quiet weekend (autovacuum would otherwise start on the fresh
    rows during the timed tick, on the same two cores); without `vacuum` only analyzed."""
    db = make_db_engine(url)
    Base.metadata.drop_all(db)
    Base.metadata.create_all(db)
    clock = SystemClock()
    now = clock.now()
    with make_session_factory(db)() as s, s.begin():
        managers = [create_user(s, clock, f"sm{i}", ["senior_manager"],
                                email=f"sm{i}@bench.test", language="zh" if i % 2 else "en").id
                    for i in range(50)]
        for i in range(3):
            create_user(s, clock, f"head{i}", ["dept_head"], email=f"head{i}@bench.test")
        create_user(s, clock, "director", ["marketing_director"], email="dir@bench.test")
        WorkflowEngine(clock=clock).deploy(s, Bundle.from_folder(BUNDLE))
        definition = s.scalars(select(ProcessDefinition.id)).one()
    with db.begin() as conn:
        for start in range(0, n, CHUNK):
            ids = range(start + 1, min(start + CHUNK, n) + 1)
            conn.execute(insert(ProcessInstance), [
                {"id": i, "definition_id": definition, "status": "running", "started_at": now,
                 "state": "{}", "version": 1, "started_by_id": managers[i % 50]} for i in ids])
            conn.execute(insert(HumanTask), [_task(i, now, managers) for i in ids])
    with db.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in ("process_instance", "human_task", "app_user", "user_role"):
            conn.execute(text(f"{'vacuum (analyze)' if vacuum else 'analyze'} {table}"))
        if vacuum and db.dialect.name == "postgresql":
            conn.execute(text("checkpoint"))
    db.dispose()
    return now


def _task(i: int, now: datetime, managers: list[int]) -> dict[str, object]:
    due = i % 10 == 0  # 10% overdue by two hours, the rest due in ten days
    unclaimed = due and i % 50 == 0  # a fifth of the due ones wait in the heads' role
    return {"id": i, "spiff_task_id": f"00000000-0000-0000-0000-{i:012d}", "instance_id": i,
            "process_key": "approval", "bpmn_id": "review" if unclaimed else "submit",
            "name": "审核申请" if unclaimed else "提交申请", "name_en": "Review",
            "role": "dept_head" if unclaimed else "senior_manager",
            "assignee_id": None if unclaimed else managers[i % 50],
            "state": "ready" if unclaimed else "claimed", "created_at": now - timedelta(days=3),
            "due_at": now - timedelta(hours=2) if due else now + timedelta(days=10)}


def tick(url: str, now: datetime) -> tuple[float, int, float]:
    """Seconds, rows and this process's CPU seconds of one tick (committed)."""
    db = make_db_engine(url)
    kf = WorkflowEngine()
    book = PolicyBook(kf.runtime.specs)
    config = ReminderConfig(ZoneInfo("Asia/Shanghai"), None, "http://bench", timedelta(days=7))
    started, cpu = time.perf_counter(), time.process_time()
    with make_session_factory(db)() as s, s.begin():
        result = write_reminders(s, kf.runtime, book, LinkSigner(b"bench"), config, now)
    elapsed = time.perf_counter() - started
    db.dispose()
    return elapsed, result.total, time.process_time() - cpu


def relay(url: str, count: int) -> tuple[float, int, float]:
    """Seconds, mails and this process's CPU seconds of the worker's relay task sending
    into an aiosmtpd sink process."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    sink = subprocess.Popen([sys.executable, "-m", "aiosmtpd", "-n", "-c",
                             "aiosmtpd.handlers.Sink", "-l", f"127.0.0.1:{port}"])
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        os.environ.update(KEYFLOW_DATABASE_URL=url, KEYFLOW_SMTP_URL=f"smtp://127.0.0.1:{port}",
                          KEYFLOW_RELAY_BATCH="500")
        use_settings(Settings.from_env())
        from workers.context import use_context
        from workers.tasks import relay as relay_task

        use_context(None)

        sent = 0
        started, cpu = time.perf_counter(), time.process_time()
        while sent < count:
            done = relay_task()
            if not done:
                break
            sent += done
        return time.perf_counter() - started, sent, time.process_time() - cpu
    finally:
        sink.terminate()
        sink.wait(timeout=10)


def main() -> None:
    """Run the three measurements and print them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=100_000, help="open tasks")
    parser.add_argument("-m", type=int, default=5_000, help="mails to relay")
    parser.add_argument("--url", default=URL)
    parser.add_argument("--no-vacuum", action="store_true",
                        help="analyze the filled tables without vacuuming them")
    args = parser.parse_args()
    ensure_database(args.url)
    t = time.perf_counter()
    now = populate(args.url, args.n, vacuum=not args.no_vacuum)
    print(f"populated {args.n} open tasks in {time.perf_counter() - t:.1f}s")
    first, rows, first_cpu = tick(args.url, now)
    print(f"first tick: {rows} outbox rows in {first:.2f}s ({rows / first:.0f} rows/s), "
          f"cpu {first_cpu:.2f}s")
    second, again, second_cpu = tick(args.url, now)
    print(f"steady tick (nothing new): {again} rows in {second:.2f}s, cpu {second_cpu:.2f}s")
    seconds, sent, relay_cpu = relay(args.url, args.m)
    print(f"relay: {sent} mails in {seconds:.2f}s = {sent / seconds:.0f} mails/s, "
          f"cpu {relay_cpu / max(sent, 1) * 1000:.2f} ms/mail")
    db = make_db_engine(args.url)
    with db.connect() as conn:
        print("outbox:", dict(conn.execute(select(Notification.status, func.count())
                                           .group_by(Notification.status)).tuples().all()))
    db.dispose()
    headline(first_tick_s=first, idle_tick_s=second, relay_mails_per_s=sent / seconds,
             first_tick_cpu_s=first_cpu, idle_tick_cpu_s=second_cpu,
             relay_cpu_ms_per_mail=relay_cpu / max(sent, 1) * 1000,
             outbox_rows=rows, open_tasks=args.n, db=make_url(args.url).get_backend_name())


if __name__ == "__main__":
    main()
