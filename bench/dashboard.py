"""Benchmark: the indicators dashboard for a quarter, on PostgreSQL with 1,000,000 audit events.

Deploys the department's bundle (processes/) and writes a year of history in bulk (COPY),
shaped as the engine writes it: instances of the three processes started through the year
by 20 senior managers, each walking its real user tasks (names, roles and form keys from the
deployed specs) with `task_created`, `task_claimed` (pool tasks) and `task_completed` events
carrying the form fields the indicators read (decisions, forecasts, budgets, settlements,
the customer's appointment answers) plus a realistic payload; `instance_started`,
`instance_completed`, `timer_fired`, and `customer_filed` with the customer register (key
accounts, the potential pool, contracts) behind it. Instances that would run past now stay
open (their last task ready or claimed). The `human_task` projection holds a row per task.
Generation stops at exactly N audit events (default 1,000,000). Tables are ANALYZEd.

Then it times, in fresh sessions and round-robin, the engine call behind /kpis and
/api/kpis (`engine.kpis.compute_kpis`) for the last full calendar quarter, by user and by
department, and the /kpis page itself through the Flask app (a director's bearer token),
`-s` samples each:

    dashboard_quarter_p95_ms        worst p95 of compute_kpis, by user and by department
    page_quarter_p95_ms             the HTML page of the quarter, by user

    .venv/bin/python -m bench.dashboard [-n 1000000] [-s 20] [--reuse] [--keep]
        [--url postgresql+psycopg://postgres@127.0.0.1/keyflow_bench_dashboard]

The database is dropped and refilled (`--reuse` keeps one filled earlier with the same -n)
and dropped at the end unless `--keep` is given.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import Engine, make_url

from bench.common import ROOT, ensure_database, fresh_database, headline, pct
from engine.accounts import create_token, create_user
from engine.clock import SystemClock
from engine.db import make_db_engine, make_session_factory
from engine.deployment import Bundle
from engine.kpis import DEPARTMENT_ZONE, compute_kpis
from engine.models import AuditEvent, Base, ProcessDefinition
from engine.settings import Settings
from engine.workflow_engine import WorkflowEngine

URL = "postgresql+psycopg://postgres@127.0.0.1:5432/keyflow_bench_dashboard"
MANAGERS, DAYS = 20, 365
ZONE = ZoneInfo(DEPARTMENT_ZONE)
CUSTOMERS = [f"{city}{trade}{kind}" for city in ("华建", "中铁", "广州", "杭州", "成都", "武汉",
                                                 "西安", "重庆", "长沙", "郑州")
             for trade in ("路桥", "隧道", "水电", "土方", "地产") for kind in ("有限公司", "集团",
                                                                          "工程局")]
# The steps each process walks (the real diagrams' user tasks); `?` marks a step taken by
# some instances only.
PATHS = {
    "key_account_development": ["register_prospect", "collect_basic_info", "analyse_usage",
                                "deeper_analysis", "forecast", "development_application",
                                "head_review", "?director_approval", "file_account"],
    "key_account_visit": ["topic_meeting", "map_buying_centre", "first_contact",
                          "confirm_appointment", "pre_visit_meeting", "prepare_visit",
                          "head_approve_plan", "finance_approve_advance", "visit_report",
                          "settle_expenses", "rate_visit"],
    "customer_reception": ["register_reception", "head_approve_reception",
                           "finance_approve_budget", "confirm_arrival", "reception_summary",
                           "settle_reception"],
}
MIX = ["key_account_development"] * 4 + ["key_account_visit"] * 4 + ["customer_reception"] * 2
NOTE = "客户对活动板房的需求稳定，项目分布在路桥与隧道工地，" * 4  # what people type
COLUMNS = {
    "process_instance": ("id", "definition_id", "business_key", "customer_name", "status",
                         "started_by_id", "owner_id", "started_at", "ended_at", "state",
                         "version"),
    "human_task": ("id", "spiff_task_id", "instance_id", "process_key", "customer_name",
                   "bpmn_id", "name", "name_en", "role", "assignee_id", "state", "form_key",
                   "created_at", "claimed_at", "first_opened_at", "completed_at",
                   "completed_by_id", "due_at"),
    "audit_event": ("id", "at", "actor_id", "action", "instance_id", "task_id", "process_key",
                    "bpmn_id", "data"),
    "customer": ("id", "name", "status", "classes", "owner_id", "cumulative_volume",
                 "largest_single_volume", "credit", "filed_at", "updated_at", "instance_id",
                 "is_group", "is_strategic"),
    "contract": ("id", "customer_id", "number", "signed_on", "volume", "recorded_by_id",
                 "recorded_at"),
}


@dataclass
class People:
    """User ids by role."""

    managers: list[int]
    heads: list[int]
    director: int
    clerk: int
    finance: int


@dataclass
class Rows:
    """The rows written so far, per table, and the next id of each."""

    tables: dict[str, list[tuple[Any, ...]]] = field(
        default_factory=lambda: {name: [] for name in COLUMNS})
    ids: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COLUMNS, 0))
    events: int = 0

    def add(self, table: str, values: dict[str, Any]) -> int:
        self.ids[table] += 1
        values["id"] = self.ids[table]
        self.tables[table].append(tuple(values.get(c) for c in COLUMNS[table]))
        self.events += table == "audit_event"
        return self.ids[table]


def _naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)  # as UTCDateTime stores it


def _submitted(step: str, rnd: random.Random) -> dict[str, Any]:
    """The form data of a step: what the indicators read, and a note as people write."""
    data: dict[str, Any] = {"note": NOTE[:rnd.randint(20, len(NOTE))]}
    if step == "head_review":
        data["head_decision"] = rnd.choice(["approve"] * 6 + ["reject", "return"])
    elif step == "director_approval":
        data["director_decision"] = rnd.choice(["approve"] * 4 + ["reject"])
    elif step == "forecast":
        data.update(forecast_volume=rnd.randint(500, 12000), total_sales=rnd.randint(10, 900)
                    * 10000, risk_coefficient=round(rnd.random(), 2))
    elif step in ("prepare_visit", "register_reception"):
        data.update(transport_cost=rnd.randint(200, 3000), accommodation_cost=rnd.randint(
            0, 2000), meal_cost=rnd.randint(100, 800), gift_cost=rnd.randint(0, 500),
            other_cost=rnd.randint(0, 300))
    elif step in ("settle_expenses", "settle_reception"):
        data["actual_cost"] = rnd.randint(500, 7000)
    elif step == "confirm_appointment":
        data["appointment_answer"] = rnd.choice(["confirm"] * 6 + ["reschedule", "decline"])
    elif step in ("head_approve_plan", "head_approve_reception", "finance_approve_advance",
                  "finance_approve_budget"):
        data["decision"] = rnd.choice(["approve"] * 8 + ["reject"])
    return data


def _instance(rows: Rows, rnd: random.Random, people: People, definitions: dict[str, Any],
              now: datetime, started: datetime) -> None:
    """One instance's rows: its tasks and every event, up to `now`."""
    key = rnd.choice(MIX)
    definition, tasks = definitions[key]
    owner = rnd.choice(people.managers)
    customer = rnd.choice(CUSTOMERS)
    instance = {"definition_id": definition, "business_key": None, "customer_name": customer,
                "status": "running", "started_by_id": owner, "owner_id": owner,
                "started_at": _naive(started), "ended_at": None, "state": "{}", "version": 1}
    instance_id = rows.ids["process_instance"] + 1
    rows.add("audit_event", {"at": _naive(started), "actor_id": owner,
                             "action": "instance_started", "instance_id": instance_id,
                             "process_key": key, "data": json.dumps(
                                 {"version": 1, "data": {"customer_name": customer}})})
    moment, ended = started, True
    filed = None
    for step in PATHS[key]:
        if step.startswith("?"):
            step = step[1:]
            if rnd.random() < 0.7:
                continue
        info = tasks[step]
        created = moment
        moment = moment + timedelta(hours=rnd.uniform(1, 60))
        pooled = info.role not in ("senior_manager", "customer")
        doer = {"senior_manager": owner, "dept_head": rnd.choice(people.heads),
                "marketing_director": people.director, "clerk": people.clerk,
                "finance": people.finance, "customer": None}[info.role]
        due = created + timedelta(days=2) if rnd.random() < 0.8 else None
        done = moment < now
        claimed = created + timedelta(hours=rnd.uniform(0.1, 8)) if pooled else (
            created if doer else None)
        if claimed is not None and claimed > now:
            claimed = None
        task = {"spiff_task_id": f"00000000-0000-4000-8000-{rows.ids['human_task'] + 1:012d}",
                "instance_id": instance_id, "process_key": key, "customer_name": customer,
                "bpmn_id": step, "name": info.name, "name_en": info.name_en, "role": info.role,
                "assignee_id": doer if claimed else None,
                "state": "completed" if done else ("claimed" if claimed else "ready"),
                "form_key": info.form_key, "created_at": _naive(created),
                "claimed_at": _naive(claimed) if claimed else None,
                "first_opened_at": _naive(created + timedelta(minutes=30)) if done and not pooled
                and doer else None,
                "completed_at": _naive(moment) if done else None,
                "completed_by_id": doer if done else None,
                "due_at": _naive(due) if due else None}
        task_id = rows.add("human_task", task)
        base = {"instance_id": instance_id, "task_id": task_id, "process_key": key,
                "bpmn_id": step}
        rows.add("audit_event", {**base, "at": _naive(created), "action": "task_created",
                                 "data": json.dumps({"role": info.role, "assignee_id": None if
                                                     pooled else doer, "due_at": None})})
        if pooled and claimed:
            rows.add("audit_event", {**base, "at": _naive(claimed), "actor_id": doer,
                                     "action": "task_claimed", "data": "{}"})
        if not done:
            ended = False
            break
        if step == "confirm_appointment" and rnd.random() < 0.1:
            rows.add("audit_event", {**base, "at": _naive(moment), "action": "timer_fired",
                                     "data": json.dumps({"timer": "appointment_timeout"})})
        submitted = _submitted(step, rnd)
        rows.add("audit_event", {**base, "at": _naive(moment), "actor_id": doer,
                                 "action": "task_completed",
                                 "data": json.dumps({"data": submitted}, ensure_ascii=False)})
        if step == "forecast" and rnd.random() < 0.2:
            filed = "potential"  # not worth developing: into the pool, the instance ends
            break
        if step == "file_account":
            filed = "key_account"
    if filed is not None:
        _file(rows, rnd, people, instance_id, owner, moment, filed)
    if ended:
        instance.update(status="completed", ended_at=_naive(moment))
        rows.add("audit_event", {"at": _naive(moment), "action": "instance_completed",
                                 "instance_id": instance_id, "process_key": key,
                                 "data": "{}"})
    rows.add("process_instance", instance)


def _file(rows: Rows, rnd: random.Random, people: People, instance_id: int, owner: int,
          at: datetime, status: str) -> None:
    """The customer register's row, its contracts and the `customer_filed` event."""
    number = rows.ids["customer"] + 1
    name = f"{rnd.choice(CUSTOMERS)}{number:05d}"
    classes = rnd.sample(["quality", "high_value", "group", "strategic"], rnd.randint(0, 2)) \
        if status == "key_account" else ["potential"]
    volumes = [rnd.randint(300, 8000) for _ in range(rnd.randint(0, 3))]
    customer_id = rows.add("customer", {
        "name": name, "status": status, "classes": json.dumps(classes), "owner_id": owner,
        "cumulative_volume": sum(volumes), "largest_single_volume": max(volumes, default=0),
        "credit": "good", "filed_at": _naive(at), "updated_at": _naive(at),
        "instance_id": instance_id, "is_group": False, "is_strategic": False})
    for n, volume in enumerate(volumes):
        signed = at + timedelta(days=rnd.randint(0, 120))
        rows.add("contract", {"customer_id": customer_id, "number": f"HT-{customer_id}-{n}",
                              "signed_on": signed.astimezone(ZONE).date(), "volume": volume,
                              "recorded_by_id": owner, "recorded_at": _naive(signed)})
    rows.add("audit_event", {"at": _naive(at), "actor_id": people.clerk,
                             "action": "customer_filed", "instance_id": instance_id,
                             "data": json.dumps({"customer_id": customer_id, "name": name,
                                                 "status": status, "created": True,
                                                 "classes": classes}, ensure_ascii=False)})


def _setup(url: str) -> tuple[People, dict[str, Any], str]:
    """Users, the deployed bundle and a director's token."""
    db = make_db_engine(url)
    Base.metadata.create_all(db)
    clock = SystemClock()
    kf = WorkflowEngine(clock=clock)
    with make_session_factory(db)() as s, s.begin():
        managers = [create_user(s, clock, f"sm{i}", ["senior_manager"],
                                display_name=f"经理{i}").id for i in range(MANAGERS)]
        heads = [create_user(s, clock, f"head{i}", ["dept_head"]).id for i in range(2)]
        director = create_user(s, clock, "director", ["marketing_director"])
        token = create_token(s, clock, director, "bench")
        people = People(managers, heads, director.id,
                        create_user(s, clock, "clerk", ["clerk"]).id,
                        create_user(s, clock, "finance", ["finance"]).id)
        kf.deploy(s, Bundle.from_folder(ROOT / "processes"))
        definitions = {d.key: (d.id, kf.runtime.specs.get(d).user_tasks)
                       for d in s.scalars(select(ProcessDefinition))}
    db.dispose()
    return people, definitions, token


def _copy(db: Engine, rows: Rows) -> None:
    """COPY the collected rows into their tables, parents first, then forget them."""
    raw = db.raw_connection()
    try:
        cursor = raw.cursor()
        for table in ("process_instance", "human_task", "customer", "contract", "audit_event"):
            with cursor.copy(f"COPY {table} ({', '.join(COLUMNS[table])}) FROM STDIN") as copy:  # type: ignore[attr-defined]
                for row in rows.tables[table]:
                    copy.write_row(row)
            rows.tables[table].clear()
        raw.commit()
    finally:
        raw.close()


def populate(url: str, n: int, seed: int = 7) -> str:
    """A year of history with exactly n audit events; returns a director's token."""
    fresh_database(url)
    people, definitions, token = _setup(url)
    db = make_db_engine(url)
    rnd = random.Random(seed)
    now = datetime.now(UTC)
    first = now - timedelta(days=DAYS)
    rows = Rows()
    with db.connect() as conn:  # the users' and the deployment's events come first
        rows.ids["audit_event"] = int(conn.scalar(select(func.max(AuditEvent.id))) or 0)
        rows.events = int(conn.scalar(select(func.count()).select_from(AuditEvent)) or 0)
    expected = (n - rows.events) / 24  # about 24 events per instance
    step = timedelta(days=DAYS) / expected
    moment = first
    while rows.events < n:
        _instance(rows, rnd, people, definitions, now, moment + step * rnd.random())
        moment += step
        if len(rows.tables["audit_event"]) >= 50_000:
            _copy(db, rows)
    extra = rows.events - n
    if extra:  # the last instance went past n: drop its newest events (a cut-off history)
        del rows.tables["audit_event"][-extra:]
        rows.events = n
    _copy(db, rows)
    with db.begin() as conn:
        for table in COLUMNS:
            conn.execute(text(f"select setval(pg_get_serial_sequence('{table}', 'id'), "
                              f"(select max(id) from {table}))"))
    analyze(db)
    db.dispose()
    return token


def analyze(db: Engine) -> None:
    """Fresh planner statistics for every table."""
    with db.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("analyze"))


def last_quarter(today: date) -> tuple[date, date]:
    """The last full calendar quarter before `today`."""
    first_of_this = date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    last = first_of_this - timedelta(days=1)
    return date(last.year, (last.month - 1) // 3 * 3 + 1, 1), last


@dataclass(frozen=True)
class Case:
    """One timed call."""

    name: str
    by: str
    page: bool = False


CASES = (Case("engine_by_user", "user"), Case("engine_by_department", "department"),
         Case("engine_by_role", "role"), Case("page_by_user", "user", page=True))


def measure(url: str, samples: int, token: str) -> tuple[dict[str, list[float]], dict[str, Any]]:
    """Milliseconds per call of every case, `samples` each, interleaved."""
    from webui import create_app  # the page case only

    db = make_db_engine(url)
    sessions = make_session_factory(db)
    first, last = last_quarter(datetime.now(ZONE).date())
    start = datetime.combine(first, datetime.min.time(), tzinfo=ZONE)
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), tzinfo=ZONE)
    with tempfile.TemporaryDirectory() as var:
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "VAR_DIR": var},
                         settings=Settings())
        client = app.test_client()
        query = f"/kpis?from={first.isoformat()}&to={last.isoformat()}&by=user"
        headers = {"Authorization": f"Bearer {token}", "Accept-Language": "zh"}
        facts: dict[str, Any] = {"quarter": f"{first.isoformat()}..{last.isoformat()}"}
        with sessions() as s:
            facts["quarter_events"] = s.scalar(select(func.count()).select_from(AuditEvent)
                                               .where(AuditEvent.at >= start,
                                                      AuditEvent.at < end))
            kpis = compute_kpis(s, start, end, datetime.now(UTC), "user")
            facts["rows_by_user"] = len(kpis["rows"])
            facts["visits_done"] = kpis["visits"]["totals"]["visits_done"]
        response = client.get(query, headers=headers)
        assert response.status_code == 200, response.status_code
        facts["page_kb"] = len(response.data) // 1024
        print("facts:", facts, flush=True)  # before the cpu lists join them
        timings: dict[str, list[float]] = {c.name: [] for c in CASES}
        cpu: dict[str, list[float]] = {c.name: [] for c in CASES}
        for _ in range(samples):
            for case in CASES:
                began, began_cpu = time.perf_counter(), time.process_time()
                if case.page:
                    assert client.get(query, headers=headers).status_code == 200
                else:
                    with sessions() as s, s.begin():
                        compute_kpis(s, start, end, datetime.now(UTC), case.by)
                timings[case.name].append((time.perf_counter() - began) * 1000)
                cpu[case.name].append((time.process_time() - began_cpu) * 1000)
        app.extensions["keyflow.engine"].close() if hasattr(
            app.extensions.get("keyflow.engine"), "close") else None
    db.dispose()
    facts["cpu"] = cpu
    return timings, facts


def events_in(url: str) -> int:
    """Audit events in the benchmark database (0 if it has no schema yet)."""
    try:
        db = make_db_engine(url)
        with db.connect() as conn:
            return int(conn.scalar(select(func.count()).select_from(AuditEvent)) or 0)
    except Exception:
        return 0


def token_of(url: str) -> str:
    """A fresh token of the director in a reused database."""
    db = make_db_engine(url)
    clock = SystemClock()
    with make_session_factory(db)() as s, s.begin():
        from engine.models import User
        director = s.scalars(select(User).where(User.username == "director")).one()
        token = create_token(s, clock, director, "bench")
    db.dispose()
    return token


def drop(url: str) -> None:
    """Drop the benchmark database."""
    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'drop database if exists "{parsed.database}" with (force)'))
    admin.dispose()


def _summary(timings: dict[str, list[float]], cpu: dict[str, list[float]]) -> Iterator[str]:
    for case in CASES:
        values = timings[case.name]
        yield (f"{case.name:<22} p50 {pct(values, 0.5):8.1f} ms  p95 {pct(values, 0.95):8.1f} ms"
               f"  max {max(values):8.1f} ms  python cpu p50 {pct(cpu[case.name], 0.5):8.1f} ms"
               f"  n={len(values)}")


def main() -> None:
    """Fill (or reuse) the database, time every case, print the p95s."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=1_000_000, help="audit events")
    ap.add_argument("-s", "--samples", type=int, default=20, help="samples per case")
    ap.add_argument("--reuse", action="store_true", help="keep a database already filled")
    ap.add_argument("--keep", action="store_true", help="do not drop the database at the end")
    ap.add_argument("--url", default=URL)
    args = ap.parse_args()
    ensure_database(args.url)
    if args.reuse and events_in(args.url) == args.n:
        token = token_of(args.url)
    else:
        began = time.perf_counter()
        token = populate(args.url, args.n)
        print(f"filled {args.n} audit events in {time.perf_counter() - began:.0f} s",
              flush=True)
    timings, facts = measure(args.url, args.samples, token)
    for line in _summary(timings, facts["cpu"]):
        print(line)
    if not args.keep:
        drop(args.url)
    p95 = {name: pct(values, 0.95) for name, values in timings.items()}
    headline(events=args.n, quarter_events=facts["quarter_events"],
             dashboard_quarter_p95_ms=max(p95[c.name] for c in CASES if not c.page),
             by_user_p95_ms=p95["engine_by_user"], by_department_p95_ms=p95[
                 "engine_by_department"], page_quarter_p95_ms=p95["page_by_user"],
             dashboard_cpu_p50_ms=max(pct(facts["cpu"][c.name], 0.5) for c in CASES
                                      if not c.page),
             page_cpu_p50_ms=pct(facts["cpu"]["page_by_user"], 0.5),
             samples=args.samples)


if __name__ == "__main__":
    main()
