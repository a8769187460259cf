"""Benchmark: the inbox queries the web runs, on PostgreSQL with 100,000 open tasks.

Deploys the department's bundle (processes/) and fills the `human_task` projection and
`process_instance` in bulk with SQLAlchemy Core, rows shaped as the engine writes them
(engine/runtime/projection.py: the real processes' user tasks with their names, roles and
form keys; sticky senior-manager tasks claimed by their starter): 49 senior managers with
2,000 claimed tasks each and 2,000 unclaimed tasks offered to the dept_head role (three
heads), 100,000 in all; 10% overdue, 60% due later, 30% without a due time; Chinese
customer names. Instances hold a placeholder state ("{}"): no inbox query reads it, and
PostgreSQL stores a real multi-KB state out of line (TOAST) anyway. `--closed K` adds K
completed tasks per instance (history; 0 by default). The tables are vacuumed and analyzed,
as autovacuum leaves a table after a bulk load (its visibility map lets index-only reads
skip the table); `--no-vacuum` only analyzes them, the worst case for those reads.

Then it times, in fresh sessions and round-robin so machine noise spreads evenly, ≥ 200
samples of each case (adapter `run_case`, the one place naming engine.queries.inbox):

    inbox_p95_ms   worst p95 of a page of 50: mine, role (a head), all (a manager), mine
                   and all overdue, and the second page (by cursor) of mine and all; the
                   case it comes from is `inbox_slowest`
    search_p95_ms  worst p95 of text searches, one and two Chinese characters, in a
                   manager's mine and all and a head's role
    counts_p95_ms  p95 of the four badge counts, one query (a manager and a head)
    admin_all_p95_ms  an admin's `all` scope (every open task)

    .venv/bin/python -m bench.inbox [-n 100000] [-s 200] [--closed 0] [--reuse] [--no-vacuum]
        [--url postgresql+psycopg://postgres@127.0.0.1/keyflow_bench_inbox]

`--reuse` keeps a database filled earlier with the same -n (due times are relative to then).
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from bench.common import ROOT, ensure_database, fresh_database, headline, pct
from engine.accounts import create_user
from engine.clock import SystemClock
from engine.db import make_db_engine, make_session_factory
from engine.deployment import Bundle
from engine.models import Base, HumanTask, ProcessDefinition, ProcessInstance, User
from engine.queries import inbox as inbox_queries
from engine.workflow_engine import WorkflowEngine

URL = "postgresql+psycopg://postgres@127.0.0.1:5432/keyflow_bench_inbox"
MANAGERS, CHUNK = 49, 10_000
CUSTOMERS = [f"{city}{trade}{kind}" for city in ("华建", "中铁", "广州", "杭州", "成都", "武汉")
             for trade in ("路桥", "建材", "物流", "钢铁", "电子") for kind in ("有限公司", "集团")]


@dataclass(frozen=True)
class Case:
    """One inbox call as the web makes it."""

    name: str
    group: str  # inbox, search, counts, admin
    user: str
    scope: str = "mine"
    overdue: bool = False
    q: str | None = None
    page: int = 1  # 2: the page after the first, read with the first page's cursor


CASES = (
    Case("mine", "inbox", "sm0"),
    Case("role", "inbox", "head0", scope="role"),
    Case("all", "inbox", "sm0", scope="all"),
    Case("mine_overdue", "inbox", "sm0", overdue=True),
    Case("search_1char", "search", "sm0", q="访"),
    Case("search_2chars", "search", "sm0", q="路桥"),
    Case("search_role", "search", "head0", scope="role", q="华建"),
    Case("all_overdue", "inbox", "sm0", scope="all", overdue=True),
    Case("search_all_1char", "search", "sm0", scope="all", q="访"),
    Case("search_all_2chars", "search", "sm0", scope="all", q="路桥"),
    Case("counts_manager", "counts", "sm0"),
    Case("counts_head", "counts", "head0"),
    Case("admin_all", "admin", "admin", scope="all"),
    Case("mine_page2", "inbox", "sm0", page=2),
    Case("all_page2", "inbox", "sm0", scope="all", page=2),
)


def run_case(session: Session, case: Case, user: User, now: datetime,
             cursor: str | None = None) -> tuple[int, str | None]:
    """Call the engine's query for `case` as the web does: rows (or counts) returned, and
    the cursor of the next page."""
    if case.group == "counts":
        return sum(inbox_queries.inbox_counts(session, user, now).values()), None
    after = inbox_queries.Position.parse(cursor) if cursor else None
    page = inbox_queries.inbox(session, user, now, scope=case.scope, overdue=case.overdue,
                               q=case.q, after=after)
    return len(page.rows), page.next


def populate(url: str, n: int, closed: int, vacuum: bool = True) -> None:
    """Users, the department's processes and n open tasks (plus `closed` per instance)."""
    fresh_database(url)
    db = make_db_engine(url)
    Base.metadata.create_all(db)
    clock = SystemClock()
    now = clock.now()
    kf = WorkflowEngine(clock=clock)
    with make_session_factory(db)() as s, s.begin():
        managers = [create_user(s, clock, f"sm{i}", ["senior_manager"]).id
                    for i in range(MANAGERS)]
        for i in range(3):
            create_user(s, clock, f"head{i}", ["dept_head"])
        create_user(s, clock, "admin", ["admin"])
        kf.deploy(s, Bundle.from_folder(ROOT / "processes"))
        definitions = list(s.scalars(select(ProcessDefinition).order_by(ProcessDefinition.id)))
        shapes = [(d, kf.runtime.specs.get(d).user_tasks) for d in definitions]
    task_id = 0
    with db.begin() as conn:
        for start in range(0, n, CHUNK):
            ids = range(start + 1, min(start + CHUNK, n) + 1)
            instances, tasks = [], []
            for i in ids:
                definition, user_tasks = shapes[i % len(shapes)]
                pooled = i % 50 == 0  # 2% offered to the heads, 98% with 49 managers
                role = "dept_head" if pooled else "senior_manager"
                candidates = [t for t in user_tasks.values() if t.role == role] or \
                    list(user_tasks.values())
                owner = managers[i % MANAGERS]
                customer = CUSTOMERS[i % len(CUSTOMERS)]
                instances.append({
                    "id": i, "definition_id": definition.id, "business_key": f"KA-{i:06d}",
                    "customer_name": customer, "status": "running", "started_by_id": owner,
                    "started_at": now - timedelta(days=5), "state": "{}", "version": 3})
                for k in range(closed):
                    task_id += 1
                    tasks.append(_task_row(task_id, i, definition.key, customer,
                                           candidates[k % len(candidates)], owner, now,
                                           "completed"))
                task_id += 1
                info = candidates[i % len(candidates)]
                tasks.append(_task_row(task_id, i, definition.key, customer, info,
                                       None if pooled else owner, now, None))
            conn.execute(insert(ProcessInstance), instances)
            conn.execute(insert(HumanTask), tasks)
    with db.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in ("process_instance", "human_task", "process_definition", "app_user"):
            conn.execute(text(f"{'vacuum (analyze)' if vacuum else 'analyze'} {table}"))
    db.dispose()


def _task_row(task_id: int, instance_id: int, key: str, customer: str, info: Any,
              assignee: int | None, now: datetime, closed: str | None) -> dict[str, Any]:
    """One human_task row as engine/runtime/projection.py writes it."""
    created = now - timedelta(days=3)
    # 10% overdue, 60% due in 1-6 days, 30% without a due time (mixed so that it does not
    # follow the i % 50 of the heads' pool)
    slot = (instance_id + instance_id // 50) % 10
    due = (now - timedelta(hours=2) if slot == 0 else
           now + timedelta(days=slot) if slot <= 6 else None)
    return {"id": task_id, "spiff_task_id": f"00000000-0000-4000-8000-{task_id:012d}",
            "instance_id": instance_id, "process_key": key, "customer_name": customer,
            "bpmn_id": info.bpmn_id, "name": info.name, "name_en": info.name_en,
            "role": info.role, "assignee_id": assignee,
            "state": closed or ("claimed" if assignee else "ready"),
            "form_key": info.form_key, "created_at": created,
            "claimed_at": created if assignee else None,
            "completed_at": now - timedelta(days=4) if closed else None,
            "completed_by_id": assignee if closed else None, "due_at": due}


def measure(url: str, samples: int) -> dict[str, list[float]]:
    """Milliseconds per call of every case, `samples` each, interleaved."""
    db = make_db_engine(url)
    sessions = make_session_factory(db)
    clock = SystemClock()
    cursors: dict[str, str | None] = {}
    with sessions() as s:
        ids = dict(s.execute(select(User.username, User.id)).tuples().all())
        rows = {}
        for c in CASES:
            user = s.get(User, ids[c.user])
            rows[c.name], following = run_case(s, c, user, clock.now())
            if c.page == 2:
                cursors[c.name] = following
                rows[c.name] = run_case(s, c, user, clock.now(), following)[0]
    print("rows per case:", rows, flush=True)
    timings: dict[str, list[float]] = {c.name: [] for c in CASES}
    for _ in range(samples):
        for case in CASES:
            with sessions() as s, s.begin():
                user = s.get(User, ids[case.user])
                assert user is not None  # its roles come with it (selectin)
                now = clock.now()
                started = time.perf_counter()
                run_case(s, case, user, now, cursors.get(case.name))
                timings[case.name].append((time.perf_counter() - started) * 1000)
    db.dispose()
    return timings


def open_tasks(url: str) -> int:
    """Open tasks in the benchmark database (0 if it has no schema yet)."""
    db = make_db_engine(url)
    try:
        with db.connect() as conn:
            return int(conn.scalar(select(func.count()).select_from(HumanTask)
                                   .where(HumanTask.state.in_(["ready", "claimed"]))) or 0)
    except Exception:
        return 0
    finally:
        db.dispose()


def main() -> None:
    """Fill (or reuse) the database, time every case, print the p95s."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=100_000, help="open tasks")
    ap.add_argument("-s", "--samples", type=int, default=200, help="samples per case")
    ap.add_argument("--closed", type=int, default=0, help="completed tasks per instance")
    ap.add_argument("--reuse", action="store_true", help="keep a database already filled")
    ap.add_argument("--no-vacuum", action="store_true",
                    help="analyze the filled tables without vacuuming them")
    ap.add_argument("--url", default=URL)
    args = ap.parse_args()
    ensure_database(args.url)
    if not (args.reuse and open_tasks(args.url) == args.n):
        started = time.perf_counter()
        populate(args.url, args.n, args.closed, vacuum=not args.no_vacuum)
        print(f"filled {args.n} open tasks in {time.perf_counter() - started:.0f} s", flush=True)
    timings = measure(args.url, args.samples)
    p95 = {name: pct(values, 0.95) for name, values in timings.items()}
    for case in CASES:
        values = timings[case.name]
        print(f"{case.name:<15} {case.group:<7} p50 {pct(values, 0.5):7.1f} ms  "
              f"p95 {p95[case.name]:7.1f} ms  max {max(values):7.1f} ms  n={len(values)}")

    def worst(group: str) -> float:
        return max(p95[c.name] for c in CASES if c.group == group)

    slowest = max((c for c in CASES if c.group == "inbox"), key=lambda c: p95[c.name])
    headline(inbox_p95_ms=worst("inbox"), inbox_slowest=slowest.name, counts_p95_ms=worst("counts"),
             search_p95_ms=worst("search"), admin_all_p95_ms=worst("admin"),
             open_tasks=args.n, samples=args.samples)


if __name__ == "__main__":
    main()
